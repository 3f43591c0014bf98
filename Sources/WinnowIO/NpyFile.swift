import WinnowNative

/// A memory-mapped `.npy` file whose header has been checked against the file size.
public struct NpyFile: Sendable {
    public let path: String
    public let header: NpyHeader
    public let map: MappedFile

    public var fileSize: Int { map.size }

    /// Opens and validates: the header parses, the shape's data fits `Int`, and the file holds exactly
    /// the bytes the shape declares (fewer: truncated; more: trailing bytes — both refused).
    public static func open(_ path: String) throws(InputError) -> NpyFile {
        let map: MappedFile
        do {
            map = try MappedFile(path: path)
        } catch {
            throw InputError(.unreadable, path: path, "cannot read: \(error.description)")
        }
        let header = try NpyHeader.parse(map.bytes(at: 0, count: NpyHeader.maximumHeaderLength + 12), path: path)
        guard let length = header.dataLength else {
            throw InputError(.badShape, path: path, byteOffset: 0, "shape \(header.shape) overflows 64-bit sizes")
        }
        let available = map.size - header.dataOffset
        if available < length {
            throw InputError(
                .truncated, path: path, byteOffset: map.size,
                "file is truncated: shape \(header.shape) of \(header.dtype.rawValue) needs \(length) data bytes from byte \(header.dataOffset), the file has \(available)"
            )
        }
        if available > length {
            throw InputError(
                .trailingBytes, path: path, byteOffset: header.dataOffset + length,
                "\(available - length) unexpected bytes after the data the header declares (shape \(header.shape))")
        }
        return NpyFile(path: path, header: header, map: map)
    }
}
