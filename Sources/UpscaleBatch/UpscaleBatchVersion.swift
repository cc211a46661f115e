/// The version printed by `upscale-batch --version`.
public enum UpscaleBatchVersion {
    public static let current = "0.1.0"
}
