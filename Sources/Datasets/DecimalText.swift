/// The numbers reference answers are written as: `-?` ASCII digits, optionally in exact
/// thousands groups ("1,080"), optionally with a fraction ("2.5").
enum DecimalText {
    static func isNumber(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "-" { scalars = scalars.dropFirst() }
        let parts = scalars.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 && !isDigits(parts[1]) { return false }
        let groups = parts[0].split(separator: ",", omittingEmptySubsequences: false)
        guard groups.allSatisfy(isDigits) else { return false }
        return groups.count == 1 || ((1...3).contains(groups[0].count) && groups.dropFirst().allSatisfy { $0.count == 3 })
    }

    private static func isDigits(_ scalars: Substring.UnicodeScalarView.SubSequence) -> Bool {
        !scalars.isEmpty && scalars.allSatisfy { $0.value >= 0x30 && $0.value <= 0x39 }
    }
}
