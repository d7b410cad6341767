#if Server
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import WellBeingCore
import WellBeingWorkspace

/// Failures as answers: the status from the error kind's table, the message in the reader's language, never
/// the failure underneath (that goes to the log by type only).
enum ErrorResponses {
    /// The body of an API error: `{"error": kind, "message": text, "problems": [{"location", "message"}]}`.
    struct Body: Encodable {
        var error: String
        var message: String
        var problems: [Problem]?
    }

    /// A problem in an answer's `problems`: its place and what is wrong there, in the reader's language.
    struct Problem: Encodable {
        var location: String
        var message: String

        init(_ problem: DataProblem, in language: Language) {
            (location, message) = ErrorResponses.parts(of: problem, in: language)
        }
    }

    /// A problem's place (`回答.xlsx:Sheet1!J5`) and what is wrong there, apart.
    static func parts(of problem: DataProblem, in language: Language) -> (location: String, reason: String) {
        let place = problem.location.text(in: language)
        let text = problem.text(in: language)
        guard text.hasPrefix(place) else { return (place, text) }
        return (place, String(text.dropFirst(place.count).drop(while: { $0 == ":" || $0 == " " })))
    }

    /// Any failure as the error it answers with: a `WellBeingError` as it is, Hummingbird's own by their status,
    /// anything else an internal failure (logged by its type only), said in the web's wording.
    static func failure(for error: any Error, path: String, logger: Logger) -> WellBeingError {
        var failure: WellBeingError
        if let error = error as? WellBeingError {
            failure = error
        } else if let error = error as? HTTPError {
            // Hummingbird's own: a body over its limit, a route that does not exist.
            switch error.status {
            case .notFound: failure = WellBeingError(.notFound, Message(.serveNotFound, ["path": DataProblem.shortened(path)]))
            case .contentTooLarge: failure = WellBeingError(.tooLarge, Message(.serveFormTooLarge))
            default: failure = WellBeingError(.usage, Message(.serveBadRequest))
            }
        } else {
            failure = WellBeingError(.internalFailure, Message(.unexpectedFailure, ["type": "\(type(of: error))"]), cause: error)
        }
        if failure.kind == .internalFailure {
            logger.error("internal failure: \(failure.cause.map { "\(type(of: $0))" } ?? "")")
        }
        return failure.onTheWeb  // the page's controls, never the command line's options
    }

    /// The API's body of `failure`, in `language`.
    static func body(_ failure: WellBeingError, language: Language) -> Body {
        Body(error: failure.kind.rawValue, message: failure.message.text(in: language),
             problems: failure.problems.isEmpty ? nil : failure.problems.map { Problem($0, in: language) })
    }

    /// - Parameter keeping: the page's query, which its language switch keeps (a GET page's choices).
    static func response(for error: any Error, path: String, language: Language, session: Session?, logger: Logger,
                         keeping parameters: [String: String] = [:]) -> Response {
        let failure = failure(for: error, path: path, logger: logger)
        let status = HTTPResponse.Status(code: failure.kind.httpStatus)
        if path.hasPrefix("/api/") {
            let json = (try? JSONOutput.encode(body(failure, language: language))) ?? "{}\n"
            return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        let page = Pages.errorPage(failure, language: language, session: session, keeping: parameters)
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
#endif
