import WinnowWire

/// libFuzzer entry: any bytes, decoded as both directions' envelopes. A decode may throw a
/// `WireError`; it must never crash, hang or allocate without bound. What decodes must re-encode
/// to an envelope that decodes to the same message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvelope(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: count))
    let codec = WireCodec()
    if let (header, message) = try? codec.decodeWorkerMessage(bytes) {
        let again = try? codec.decodeWorkerMessage(codec.encode(message, header: header))
        precondition(again?.1 == message, "worker message does not survive a re-encode")
    }
    if let (header, message) = try? codec.decodeCoordinatorMessage(bytes) {
        let again = try? codec.decodeCoordinatorMessage(codec.encode(message, header: header))
        precondition(again?.1 == message, "coordinator message does not survive a re-encode")
    }
    return 0
}
