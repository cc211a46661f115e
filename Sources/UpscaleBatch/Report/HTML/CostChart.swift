import Foundation

/// The cost page's chart: one bar per UTC day, stacked by mode, each mode's completed cost
/// (solid) and failed cost (hatched, so the difference survives a black-and-white print)
/// apart. Inline SVG: no script, no font or image from anywhere.
struct CostChart {
    let costs: [DailyModeCost]
    /// The days to show: every day of the selection when it is bounded and short enough.
    let days: [String]
    let modes: [String]

    /// Geometry of the drawing, in SVG user units (the SVG scales to the page's width).
    static let width = 960.0
    static let height = 360.0
    static let left = 72.0
    static let right = 16.0
    static let top = 16.0
    static let bottom = 48.0
    /// More days than this show only the days that have costs (a year of empty bars says little).
    static let maxFilledDays = 400

    /// One colour per mode, in the order modes sort; more modes than colours cycle.
    static let palette = ["#2563eb", "#c026d3", "#0d9488", "#d97706", "#64748b"]

    init(costs: [DailyModeCost], since: String?, until: String?) {
        self.costs = costs
        let known = ["fast", "professional"]
        let found = Set(costs.map(\.mode))
        modes = known.filter(found.contains) + found.subtracting(known).sorted()
        let dataDays = Array(Set(costs.map(\.day))).sorted()
        let first = since ?? dataDays.first
        let last = until ?? dataDays.last
        if let first, let last, let span = CostChart.daySpan(from: first, to: last), span.count <= Self.maxFilledDays {
            days = span
        } else {
            days = dataDays
        }
    }

    func color(of mode: String) -> String {
        Self.palette[(modes.firstIndex(of: mode) ?? 0) % Self.palette.count]
    }

    func patternID(of mode: String) -> String { "failed-\(modes.firstIndex(of: mode) ?? 0)" }

    /// The chart, or a sentence when there is nothing to draw.
    var html: HTML {
        let total = costs.reduce(Int64(0)) { $0 + $1.completed + $1.failed }
        guard !days.isEmpty, total > 0 else {
            return .el("p", ["class": "empty"], .text("No cost in the selected days: nothing to chart."))
        }
        return .fragment([svg, legend])
    }

    private var svg: HTML {
        var byDay: [String: [DailyModeCost]] = [:]
        for cost in costs { byDay[cost.day, default: []].append(cost) }
        let highest = days.map { day in byDay[day, default: []].reduce(Int64(0)) { $0 + $1.completed + $1.failed } }.max() ?? 0
        let scale = AxisScale(maximum: highest)
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let slot = plotWidth / Double(days.count)
        let barWidth = max(1, min(48, slot * 0.7))
        func y(_ value: Int64) -> Double { Self.top + plotHeight * (1 - Double(value) / Double(scale.top)) }

        var nodes: [HTML] = [definitions]
        // Grid lines and the value axis.
        for tick in scale.ticks {
            let position = Self.format(y(tick))
            nodes.append(
                .el(
                    "line",
                    [
                        "class": tick == 0 ? "axis" : "grid", "x1": Self.format(Self.left),
                        "x2": Self.format(Self.width - Self.right),
                        "y1": position, "y2": position,
                    ]))
            nodes.append(
                .el(
                    "text",
                    ["class": "tick", "x": Self.format(Self.left - 8), "y": Self.format(y(tick) + 4), "text-anchor": "end"],
                    .text(String(tick))))
        }
        nodes.append(
            .el(
                "text",
                [
                    "class": "axis-title", "x": "14", "y": Self.format(Self.top + plotHeight / 2), "text-anchor": "middle",
                    "transform": "rotate(-90 14 \(Self.format(Self.top + plotHeight / 2)))",
                ], .text("credits")))
        // Bars: each day's segments stacked from the axis up, mode by mode, completed then failed.
        let labelEvery = max(1, Int((Double(days.count) / 12).rounded(.up)))
        for (index, day) in days.enumerated() {
            let x = Self.left + slot * Double(index) + (slot - barWidth) / 2
            var base: Int64 = 0
            var segments: [HTML] = []
            let dayCosts = byDay[day, default: []]
            for mode in modes {
                guard let cost = dayCosts.first(where: { $0.mode == mode }) else { continue }
                for (value, failed) in [(cost.completed, false), (cost.failed, true)] where value > 0 {
                    let top = y(base + value)
                    let fill = failed ? "url(#\(patternID(of: mode)))" : color(of: mode)
                    let label = "\(day) \(mode) \(failed ? "failed (quoted, refunded)" : "completed (spent)"): \(value) credits"
                    segments.append(
                        .el(
                            "rect",
                            [
                                "x": Self.format(x), "y": Self.format(top), "width": Self.format(barWidth),
                                "height": Self.format(y(base) - top), "fill": fill, "stroke": color(of: mode),
                                "stroke-width": "0.5",
                            ], .el("title", .text(label))))
                    base += value
                }
            }
            if base > 0 {
                segments.append(
                    .el(
                        "text",
                        [
                            "class": "bar-total", "x": Self.format(x + barWidth / 2), "y": Self.format(y(base) - 4),
                            "text-anchor": "middle",
                        ],
                        .text(days.count <= 31 ? String(base) : "")))
            }
            nodes.append(.el("g", ["class": "day", "data-day": day], children: segments))
            if index % labelEvery == 0 {
                nodes.append(
                    .el(
                        "text",
                        [
                            "class": "tick", "x": Self.format(x + barWidth / 2), "y": Self.format(Self.height - Self.bottom + 18),
                            "text-anchor": "middle",
                        ], .text(String(day.dropFirst(5)))))
            }
        }
        let range = days.first == days.last ? days[0] : "\(days[0]) to \(days[days.count - 1])"
        nodes.append(
            .el(
                "text",
                [
                    "class": "axis-title", "x": Self.format(Self.left + plotWidth / 2), "y": Self.format(Self.height - 8),
                    "text-anchor": "middle",
                ], .text("UTC day of submission, \(range)")))
        return .el(
            "svg",
            [
                "xmlns": "http://www.w3.org/2000/svg", "viewBox": "0 0 \(Int(Self.width)) \(Int(Self.height))", "role": "img",
                "aria-label": "Cost per day by mode, completed and failed apart",
            ], children: nodes)
    }

    /// One hatch pattern per mode for its failed segments.
    private var definitions: HTML {
        .el(
            "defs",
            children: modes.map { mode in
                .el(
                    "pattern",
                    [
                        "id": patternID(of: mode), "patternUnits": "userSpaceOnUse", "width": "6", "height": "6",
                        "patternTransform": "rotate(45)",
                    ],
                    .el("rect", ["width": "6", "height": "6", "fill": "#ffffff"]),
                    .el("line", ["x1": "0", "y1": "0", "x2": "0", "y2": "6", "stroke": color(of: mode), "stroke-width": "3"]))
            })
    }

    private var legend: HTML {
        var items: [HTML] = []
        for mode in modes {
            for failed in [false, true] {
                let swatch = HTML.el(
                    "svg", ["xmlns": "http://www.w3.org/2000/svg", "width": "14", "height": "14", "viewBox": "0 0 14 14"],
                    failed ? Self.hatchSwatch(color(of: mode), id: "legend-" + patternID(of: mode)) : .fragment([]),
                    .el(
                        "rect",
                        [
                            "width": "14", "height": "14",
                            "fill": failed ? "url(#legend-\(patternID(of: mode)))" : color(of: mode),
                            "stroke": color(of: mode),
                        ]))
                items.append(.el("li", swatch, .text(" \(mode), \(failed ? "failed (quoted, refunded)" : "completed (spent)")")))
            }
        }
        return .el("ul", ["class": "legend"], children: items)
    }

    private static func hatchSwatch(_ color: String, id: String) -> HTML {
        .el(
            "defs",
            .el(
                "pattern",
                ["id": id, "patternUnits": "userSpaceOnUse", "width": "6", "height": "6", "patternTransform": "rotate(45)"],
                .el("rect", ["width": "6", "height": "6", "fill": "#ffffff"]),
                .el("line", ["x1": "0", "y1": "0", "x2": "0", "y2": "6", "stroke": color, "stroke-width": "3"])))
    }

    /// Coordinates with at most one decimal: short, and the same on every machine.
    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// Every UTC day from `first` to `last` (`YYYY-MM-DD`), or nil when either does not parse
    /// or the span is longer than `maxFilledDays`.
    static func daySpan(from first: String, to last: String) -> [String]? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        guard let start = formatter.date(from: first), let end = formatter.date(from: last), start <= end else { return nil }
        var days: [String] = []
        var day = start
        while day <= end {
            days.append(formatter.string(from: day))
            if days.count > maxFilledDays { return nil }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = next
        }
        return days
    }
}

/// A value axis from 0 to a round number above the highest bar, with ticks at 1, 2 or 5
/// times a power of ten.
struct AxisScale {
    let top: Int64
    let ticks: [Int64]

    init(maximum: Int64) {
        let target = max(maximum, 1)
        var step: Int64 = 1
        while target / step > 5 {
            if target / (step * 2) <= 5 {
                step *= 2
                break
            }
            if target / (step * 5) <= 5 {
                step *= 5
                break
            }
            step *= 10
        }
        let top = ((target + step - 1) / step) * step
        self.top = top
        ticks = Array(stride(from: Int64(0), through: top, by: Int(step)))
    }
}
