import WinnowIO

/// libFuzzer entry: any bytes as the start of a `.npy` file. The parser either returns a header
/// or throws an `InputError` naming the file; it must never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpyHeader(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: count))
    _ = try? NpyHeader.parse(bytes, path: "fuzz.npy")
    return 0
}
