/// The demo's built-in sample list. Its source is jobs/sample.csv (a test keeps the two equal);
/// it is compiled in so `demo` works from any directory and from an installed binary.
enum DemoSample {
    static let csv = """
        url,mode
        https://images.example.com/portraits/amara.jpg,fast
        https://images.example.com/portraits/bjorn.jpg,fast
        https://images.example.com/portraits/chen.jpg,professional
        https://images.example.com/portraits/dalia.jpg,fast
        https://images.example.com/portraits/emeka.jpg,fast
        https://images.example.com/portraits/farah.jpg,professional
        https://images.example.com/portraits/goran.jpg,fast
        https://images.example.com/portraits/hana.jpg,fast
        https://images.example.com/portraits/ivan.jpg,professional
        https://images.example.com/portraits/jun.jpg,fast
        https://images.example.com/portraits/kofi.jpg,fast
        https://images.example.com/portraits/lea.jpg,professional
        https://images.example.com/portraits/mateo.jpg,fast
        https://images.example.com/portraits/nadia.jpg,fast
        https://images.example.com/portraits/oskar.jpg,professional
        https://images.example.com/portraits/priya.jpg,fast
        https://images.example.com/portraits/quinn.jpg,fast
        https://images.example.com/portraits/rosa.jpg,professional
        https://images.example.com/portraits/sami.jpg,fast
        https://images.example.com/portraits/tomas.jpg,fast
        https://images.example.com/portraits/uma.jpg,professional
        https://images.example.com/portraits/viktor.jpg,fast
        https://images.example.com/portraits/wen.jpg,fast
        https://images.example.com/portraits/yara.jpg,professional
        """
}
