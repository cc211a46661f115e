import Testing
@Test func placeholderWebhookReceiverTests() { #expect(1 == 1) }
