public enum SimulatorVersion { public static let current = "0.1.0" }
