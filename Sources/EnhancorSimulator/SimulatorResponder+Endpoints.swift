import HTTPTypes
import Hummingbird

/// The two documented endpoints, after the gate has let a request through.
extension SimulatorResponder {
    /// POST /queue: validates, creates the job, schedules its webhook, and answers, well or
    /// (as configured) malformed or broken off. The job exists in every one of those cases.
    func queue(_ body: [UInt8]) -> (Response, String?) {
        let config = state.configuration
        guard let object = SimulatorJSON.parseObject(body) else {
            return (SimulatorResponses.error(.badRequest, "request body must be a JSON object"), nil)
        }
        guard let imageURL = SimulatorJSON.nonEmptyString(object, "img_url") else {
            return (SimulatorResponses.error(.badRequest, "img_url is required (a non-empty string)"), nil)
        }
        guard let webhookURL = SimulatorJSON.nonEmptyString(object, "webhookUrl") else {
            return (SimulatorResponses.error(.badRequest, "webhookUrl is required (a non-empty string)"), nil)
        }
        guard let mode = object["mode"] as? String, mode == "fast" || mode == "professional" else {
            return (SimulatorResponses.error(.badRequest, "mode is required: \"fast\" or \"professional\""), nil)
        }
        if let refuse = config.refuseURLSubstring, !refuse.isEmpty, imageURL.contains(refuse) {
            return (
                SimulatorResponses.error(HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), config.refuseMessage),
                nil
            )
        }
        let (job, delivery) = state.submit(imageURL: imageURL, webhookURL: webhookURL, mode: mode)
        if let delivery {
            webhooks.schedule(delivery)
        }
        let valid = SimulatorJSON.object([("success", .bool(true)), ("requestId", .string(job.requestID))])
        if state.chance(config.dropAfterAcceptRate) {
            return (SimulatorResponses.dropped(partialBody: valid), "dropped")
        }
        if state.chance(config.malformedRate) {
            let wrong = SimulatorJSON.object([("success", .string("true")), ("requestId", .int(job.cost))])
            let kind = state.randomElement(SimulatorResponses.Malformation.allCases)
            return (SimulatorResponses.malformed(kind, valid: valid, wrongTypes: wrong), nil)
        }
        return (SimulatorResponses.json(.ok, valid), nil)
    }

    /// POST /status: the job's status now, with its cost, and its result or error when final.
    func status(_ body: [UInt8]) -> Response {
        let config = state.configuration
        guard let object = SimulatorJSON.parseObject(body) else {
            return SimulatorResponses.error(.badRequest, "request body must be a JSON object")
        }
        guard let requestID = SimulatorJSON.nonEmptyString(object, "request_id") else {
            return SimulatorResponses.error(.badRequest, "request_id is required (a non-empty string)")
        }
        guard let job = state.job(requestID) else {
            return SimulatorResponses.error(.notFound, "request not found")
        }
        var status = job.status(at: .now)
        if status == "COMPLETED", config.holdCompletionFromStatus {
            status = "IN_PROGRESS"
        }
        if state.chance(config.unknownStatusRate) {
            status = "THROTTLED"
        }
        var fields: [(String, SimulatorJSON.Value)] = [
            ("requestId", .string(job.requestID)), ("status", .string(status)), ("cost", .int(job.cost)),
        ]
        if status == "COMPLETED" {
            fields.append(("result", .string(state.resultURL(for: job.requestID))))
        }
        if status == "FAILED", let error = job.errorText {
            fields.append(("error", .string(error)))
        }
        let valid = SimulatorJSON.object(fields)
        if state.chance(config.malformedRate) {
            let wrong = SimulatorJSON.object([
                ("requestId", .int(job.cost)), ("status", .bool(true)), ("cost", .string(String(job.cost))),
            ])
            let kind = state.randomElement(SimulatorResponses.Malformation.allCases)
            return SimulatorResponses.malformed(kind, valid: valid, wrongTypes: wrong)
        }
        return SimulatorResponses.json(.ok, valid)
    }
}
