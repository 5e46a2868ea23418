import NIOCore
import SpoolProtocol

/// SaslHandshake (v0–1): the client names its mechanism. v0 means the tokens follow as bare frames (clients
/// before KIP-152); v1 means they come in SaslAuthenticate. On a listener without SASL the answer is
/// ILLEGAL_SASL_STATE, as Kafka's.
struct SaslHandshakeHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...1
    let sasl: SaslAuthenticator?

    func respond(_ request: SaslHandshakeRequest, context: RequestContext) async throws -> SaslHandshakeResponse {
        guard let sasl else {
            context.refusals.refused(
                context, code: .illegalSaslState,
                reason: "SaslHandshake on listener \(context.session.listenerName), which does not use SASL")
            return SaslHandshakeResponse(errorCode: KafkaErrorCode.illegalSaslState.rawValue, mechanisms: [])
        }
        let code = sasl.handshake(mechanism: request.mechanism, version: context.version, context: context)
        return SaslHandshakeResponse(errorCode: code.rawValue, mechanisms: sasl.mechanismNames)
    }
}

/// SaslAuthenticate (v0–2): one token of the exchange SaslHandshake chose. A failure answers
/// SASL_AUTHENTICATION_FAILED with what to fix, and the connection is closed at its next request. v1+ reports
/// how long the session holds (`connections.max.reauth.ms`) so that clients re-authenticate in time.
struct SaslAuthenticateHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...2
    let sasl: SaslAuthenticator?

    func respond(_ request: SaslAuthenticateRequest, context: RequestContext) async throws
        -> SaslAuthenticateResponse
    {
        var response = SaslAuthenticateResponse()
        guard let sasl else {
            context.refusals.refused(
                context, code: .illegalSaslState,
                reason: "SaslAuthenticate on listener \(context.session.listenerName), which does not use SASL")
            response.errorCode = KafkaErrorCode.illegalSaslState.rawValue
            response.errorMessage = "listener \(context.session.listenerName) does not use SASL"
            return response
        }
        let token = Array(request.authBytes.readableBytesView)
        let outcome = await sasl.authenticate(token, rawTokens: false, session: context.session) { reason in
            context.refusals.refused(context, code: .saslAuthenticationFailed, reason: reason)
        }
        switch outcome {
        case .challenge(let bytes):
            response.authBytes = ByteBuffer(bytes: bytes)
        case .complete(let bytes, let lifetimeMs):
            response.authBytes = ByteBuffer(bytes: bytes)
            response.sessionLifetimeMs = lifetimeMs
        case .failed(let code, let message):
            response.errorCode = code.rawValue
            response.errorMessage = message
        }
        return response
    }
}
