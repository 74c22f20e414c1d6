/// A setting whose value is out of range, named by its key path (`grpo.beta`,
/// `learner.fsync`). Each module's settings type validates its own keys relative to itself;
/// the configuration that composes them prefixes the section, so an error always names the
/// full path the user wrote.
public struct SettingError: Error, CustomStringConvertible, Equatable, Sendable {
    public var key: String
    public var message: String

    public init(_ key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "'\(key)' \(message)" }

    /// Throws when `ok` is false.
    public static func check(_ ok: Bool, _ key: String, _ message: @autoclosure () -> String) throws {
        if !ok { throw SettingError(key, message()) }
    }

    /// Runs a section's validation, prefixing `section` to the key of any error it throws.
    public static func section(_ section: String, _ validate: () throws -> Void) throws {
        do { try validate() } catch let error as SettingError {
            throw SettingError(error.key.isEmpty ? section : section + "." + error.key, error.message)
        }
    }
}
