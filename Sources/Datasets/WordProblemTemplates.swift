/// The sentences generated problems are written with, in Chinese and English: one person, one
/// kind of item, a starting count, one sentence per operation, and the question. Every number
/// in the text is the starting count or a step's operand, in order, so the text can be checked
/// against the structure.
struct WordProblemTemplates {
    struct Item {
        let chinese: String
        /// The Chinese measure word ("个", "支", "张").
        let measure: String
        let singular: String
        let plural: String
    }

    static let chineseNames = ["小明", "小红", "小华", "小丽", "王老师", "李阿姨", "张爷爷"]
    static let englishNames = ["Tom", "Anna", "Lily", "Sam", "Mr. Lee", "Ms. Chen", "Grandpa Joe"]
    static let items = [
        Item(chinese: "苹果", measure: "个", singular: "apple", plural: "apples"),
        Item(chinese: "铅笔", measure: "支", singular: "pencil", plural: "pencils"),
        Item(chinese: "邮票", measure: "张", singular: "stamp", plural: "stamps"),
        Item(chinese: "贴纸", measure: "张", singular: "sticker", plural: "stickers"),
        Item(chinese: "气球", measure: "个", singular: "balloon", plural: "balloons"),
        Item(chinese: "故事书", measure: "本", singular: "storybook", plural: "storybooks"),
        Item(chinese: "糖果", measure: "颗", singular: "candy", plural: "candies"),
        Item(chinese: "玻璃球", measure: "颗", singular: "marble", plural: "marbles"),
    ]

    let language: ArithmeticProblem.Language
    let name: String
    let item: Item

    /// `count` of the item in English, singular for one.
    private func things(_ count: Int) -> String {
        "\(count) \(count == 1 ? item.singular : item.plural)"
    }

    func opening(_ count: Int) -> String {
        switch language {
        case .chinese: return "\(name)有\(count)\(item.measure)\(item.chinese)。"
        case .english: return "\(name) has \(things(count))."
        }
    }

    /// The sentence for `step`; `variant` picks one of the phrasings (any value is valid).
    func sentence(for step: ArithmeticProblem.Step, variant: Int) -> String {
        let n = step.operand
        let phrasings: [String]
        switch (language, step.operation) {
        case (.chinese, .add):
            phrasings = ["\(name)又买了\(n)\(item.measure)\(item.chinese)。",
                         "妈妈又给了\(name)\(n)\(item.measure)\(item.chinese)。",
                         "\(name)从朋友那里得到了\(n)\(item.measure)\(item.chinese)。"]
        case (.chinese, .subtract):
            phrasings = ["\(name)送给同学\(n)\(item.measure)\(item.chinese)。",
                         "\(name)用掉了\(n)\(item.measure)\(item.chinese)。",
                         "\(name)弄丢了\(n)\(item.measure)\(item.chinese)。"]
        case (.chinese, .multiply):
            phrasings = ["\(name)的\(item.chinese)数量变成了原来的\(n)倍。",
                         "过了一段时间，\(name)的\(item.chinese)变成了原来的\(n)倍。"]
        case (.chinese, .divide):
            phrasings = ["\(name)把\(item.chinese)平均分成\(n)份，自己只留下其中一份。",
                         "\(name)把所有\(item.chinese)平均装进\(n)个盒子，只留下一盒。"]
        case (.english, .add):
            phrasings = ["\(name) buys \(n) more \(n == 1 ? item.singular : item.plural).",
                         "A friend gives \(name) \(things(n)).",
                         "\(name) finds \(things(n)) more."]
        case (.english, .subtract):
            phrasings = ["\(name) gives \(things(n)) to a classmate.",
                         "\(name) uses up \(things(n)).",
                         "\(name) loses \(things(n))."]
        case (.english, .multiply):
            phrasings = ["Later, \(name) has \(n) times as many \(item.plural) as before.",
                         "The number of \(item.plural) \(name) has becomes \(n) times as large."]
        case (.english, .divide):
            phrasings = ["\(name) splits the \(item.plural) into \(n) equal groups and keeps only one group.",
                         "\(name) packs all the \(item.plural) equally into \(n) boxes and keeps just one box."]
        }
        return phrasings[variant % phrasings.count]
    }

    var question: String {
        switch language {
        case .chinese: return "\(name)现在有多少\(item.measure)\(item.chinese)？"
        case .english: return "How many \(item.plural) does \(name) have now?"
        }
    }

    /// The whole problem text: sentences joined as each language writes them.
    func text(start: Int, steps: [ArithmeticProblem.Step], variants: [Int]) -> String {
        let sentences = [opening(start)] + zip(steps, variants).map { sentence(for: $0, variant: $1) } + [question]
        return sentences.joined(separator: language == .chinese ? "" : " ")
    }
}
