import Testing
@Test func placeholderUpscaleBatchTests() { #expect(1 == 1) }
