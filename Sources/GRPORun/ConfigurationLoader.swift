import Foundation
import GRPOCore
import Training
import Yams

/// A configuration problem, naming the file and the key.
public enum ConfigurationError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unknownKey(path: String, key: String, known: [String])
    case invalidValue(key: String, message: String)
    case inFile(path: String, error: Error)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): \(reason)"
        case .unknownKey(let path, let key, let known):
            return "\(path): unknown key '\(key)'" + (known.isEmpty ? "" : " (known here: \(known.sorted().joined(separator: ", ")))")
        case .invalidValue(let key, let message): return "'\(key)' \(message)"
        case .inFile(let path, let error): return "\(path): \(error)"
        }
    }
}

/// Reads a `Codable` configuration from YAML strictly: every key the file sets must be one
/// the configuration knows (a misspelt key is an error at start-up, not a silently ignored
/// default), values must have the right type, and `--set a.b=value` overrides apply first.
///
/// Defaults come from the configuration's own initial value: the file is laid over its
/// encoding, so a section or key left out keeps the default and the types' decoders never
/// see a missing key.
public enum ConfigurationLoader {
    public static func load<C: Codable>(_ type: C.Type, path: String, defaults: C, overrides: [String] = []) throws -> C {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigurationError.unreadable(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(type, yaml: text, path: path, defaults: defaults, overrides: overrides)
    }

    public static func decode<C: Codable>(_ type: C.Type, yaml: String, path: String, defaults: C,
                                          overrides: [String] = []) throws -> C {
        let parsed: Any?
        do { parsed = try Yams.load(yaml: yaml) } catch {
            throw ConfigurationError.unreadable(path: path, reason: "not valid YAML: \(error)")
        }
        var user: [String: Any]
        if parsed == nil || parsed is NSNull { user = [:] } else if let mapping = parsed as? [String: Any] { user = mapping } else {
            throw ConfigurationError.unreadable(path: path, reason: "the top level must be a mapping of keys to values")
        }
        for override in overrides { try apply(override, to: &user) }

        let base = try jsonObject(defaults)
        let merged = try merge(base, user, keyPath: "", path: path)
        let config: C
        do {
            let data = try JSONSerialization.data(withJSONObject: merged)
            config = try JSONDecoder().decode(C.self, from: data)
        } catch let error as DecodingError {
            throw ConfigurationError.inFile(path: path, error: ConfigurationError.invalidValue(
                key: error.keyPath, message: error.problem))
        }
        // Keys the decoded value does not carry back were not understood by any decoder.
        try checkKnown(user, against: try jsonObject(config), keyPath: "", path: path)
        return config
    }

    /// `a.b.c=value`: the value is read as YAML (a number, a bool, a list, a string).
    static func apply(_ override: String, to user: inout [String: Any]) throws {
        guard let eq = override.firstIndex(of: "="), eq != override.startIndex else {
            throw ConfigurationError.invalidValue(key: override, message: "is not of the form key.path=value")
        }
        let keys = override[..<eq].split(separator: ".").map(String.init)
        let value = (try? Yams.load(yaml: String(override[override.index(after: eq)...]))) ?? NSNull()
        func set(_ dict: inout [String: Any], _ keys: ArraySlice<String>) {
            if keys.count == 1 { dict[keys.first!] = value ?? NSNull(); return }
            var child = dict[keys.first!] as? [String: Any] ?? [:]
            set(&child, keys.dropFirst())
            dict[keys.first!] = child
        }
        set(&user, keys[...])
    }

    private static func jsonObject<C: Encodable>(_ value: C) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// The file's values over the defaults. Where the default is a number and YAML read a
    /// string (YAML 1.1 reads `5e-6` as text), the string is taken as a number if it is one.
    private static func merge(_ base: [String: Any], _ user: [String: Any], keyPath: String, path: String) throws -> [String: Any] {
        var out = base
        for (key, value) in user {
            let full = keyPath.isEmpty ? key : keyPath + "." + key
            if let sub = value as? [String: Any], let baseSub = base[key] as? [String: Any] {
                out[key] = try merge(baseSub, sub, keyPath: full, path: path)
            } else if let text = value as? String, base[key] is NSNumber, !(base[key] is Bool), let number = Double(text) {
                out[key] = number
            } else if value is NSNull, base[key] is [String: Any] {
                continue                   // an empty section (`compute:` with only comments) keeps its defaults
            } else if value is NSNull {
                out.removeValue(forKey: key)
            } else {
                out[key] = value
            }
        }
        return out
    }

    private static func checkKnown(_ user: [String: Any], against decoded: [String: Any], keyPath: String, path: String) throws {
        for (key, value) in user where !(value is NSNull) {
            let full = keyPath.isEmpty ? key : keyPath + "." + key
            guard let back = decoded[key] else {
                throw ConfigurationError.unknownKey(path: path, key: full, known: Array(decoded.keys))
            }
            if let sub = value as? [String: Any], let backSub = back as? [String: Any] {
                try checkKnown(sub, against: backSub, keyPath: full, path: path)
            } else if let list = value as? [Any], let backList = back as? [Any], list.count == backList.count {
                for (i, (item, backItem)) in zip(list, backList).enumerated() {
                    if let sub = item as? [String: Any], let backSub = backItem as? [String: Any] {
                        try checkKnown(sub, against: backSub, keyPath: "\(full)[\(i)]", path: path)
                    }
                }
            }
        }
    }

}
