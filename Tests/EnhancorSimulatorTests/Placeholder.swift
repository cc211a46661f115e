import Testing
@Test func placeholderEnhancorSimulatorTests() { #expect(1 == 1) }
