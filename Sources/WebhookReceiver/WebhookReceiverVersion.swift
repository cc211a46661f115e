import UpscaleBatch

public enum WebhookReceiverVersion { public static let current = UpscaleBatchVersion.current }
