//! Text analysis per language: the same for articles (at build time) and for
//! questions (per request), so that their terms meet.
//!
//! Words are lowercased, stop words dropped, stemmed with Snowball where
//! Snowball has the language (all but Chinese and Polish), cut to a
//! five-letter prefix in Polish (a light stemmer for a language whose endings
//! change a lot), then folded to plain letters so "rimborso"/"rimborsò" and
//! "envio"/"envío" meet. Chinese has no spaces: every run of Han characters
//! becomes its overlapping character pairs.

use rust_stemmers::{Algorithm, Stemmer};

/// The terms of `text` in language `lang` (one of the nine codes).
pub fn analyze(lang: &str, text: &str) -> Vec<String> {
    let stemmer = stemmer(lang);
    let stop = stop_words(lang);
    let mut terms = Vec::new();
    for token in tokens(text) {
        match token {
            Token::Word(word) => {
                if stop.contains(&word.as_str()) || (word.chars().count() < 2 && !word.chars().all(|c| c.is_ascii_digit())) {
                    continue;
                }
                terms.push(normalise(lang, stemmer.as_ref(), &word));
            }
            Token::Han(run) => han_terms(&run, &mut terms),
        }
    }
    terms
}

/// A word as it is indexed: stemmed (or cut, in Polish), then folded.
pub fn normalise(lang: &str, stemmer: Option<&Stemmer>, word: &str) -> String {
    match stemmer {
        Some(stemmer) => fold_owned(stemmer.stem(word).into_owned()),
        None if lang == "pl" => fold(word).chars().take(5).collect(),
        None => fold(word),
    }
}

/// Snowball's stemmer for `lang`, if it has one.
pub fn stemmer(lang: &str) -> Option<Stemmer> {
    let algorithm = match lang {
        "en" => Algorithm::English,
        "es" => Algorithm::Spanish,
        "it" => Algorithm::Italian,
        "fr" => Algorithm::French,
        "nl" => Algorithm::Dutch,
        "de" => Algorithm::German,
        "pt" => Algorithm::Portuguese,
        _ => return None,
    };
    Some(Stemmer::create(algorithm))
}

#[derive(Debug, PartialEq)]
enum Token {
    /// A lowercased run of letters and digits outside the Han script.
    Word(String),
    /// A run of Han characters.
    Han(String),
}

/// A character of the Han script (Chinese).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

fn tokens(text: &str) -> Vec<Token> {
    // Each run is cut out of `text` once it ends, so a token costs one
    // allocation: questions are analysed in up to nine languages per request.
    fn token(run: &str, han: bool) -> Token {
        if han {
            Token::Han(run.to_string())
        } else {
            let mut word = String::with_capacity(run.len());
            word.extend(run.chars().flat_map(char::to_lowercase));
            Token::Word(word)
        }
    }
    let mut out = Vec::new();
    // Where the current run started, and whether it is Han.
    let mut run: Option<(usize, bool)> = None;
    for (at, c) in text.char_indices() {
        let kind = if is_han(c) {
            Some(true)
        } else if c.is_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match run {
            Some((_, han)) if kind == Some(han) => {}
            Some((start, han)) => {
                out.push(token(&text[start..at], han));
                run = kind.map(|han| (at, han));
            }
            None => run = kind.map(|han| (at, han)),
        }
    }
    if let Some((start, han)) = run {
        out.push(token(&text[start..], han));
    }
    out
}

/// Pairs that say how or whether a question is asked, not what about:
/// "如果" (if), "怎么" and "么办" (how / what to do), "什么" (what), "为什" (why).
const HAN_STOP_PAIRS: [&str; 5] = ["如果", "怎么", "么办", "什么", "为什"];

/// Overlapping pairs of a Han run, but for [`HAN_STOP_PAIRS`]; a lone
/// character stands for itself unless it is a grammatical particle.
fn han_terms(run: &str, terms: &mut Vec<String>) {
    let chars: Vec<char> = run.chars().collect();
    if chars.len() == 1 {
        if !"的了吗呢吧我你是在有".contains(chars[0]) {
            terms.push(run.to_string());
        }
        return;
    }
    for pair in chars.windows(2) {
        let pair: String = pair.iter().collect();
        if !HAN_STOP_PAIRS.contains(&pair.as_str()) {
            terms.push(pair);
        }
    }
}

/// Accents and special letters of the nine languages, to plain ASCII. A
/// table rather than Unicode decomposition: these are all the languages
/// need, and it keeps the component small.
pub fn fold(word: &str) -> String {
    // Every letter the table changes is outside ASCII.
    if word.is_ascii() {
        return word.to_string();
    }
    let mut folded = String::with_capacity(word.len());
    folded.extend(folded_chars(word));
    folded
}

/// [`fold`], keeping `word`'s allocation when it has nothing to fold.
fn fold_owned(word: String) -> String {
    if word.is_ascii() { word } else { fold(&word) }
}

/// [`fold`] without allocating, for comparisons.
pub fn folded_chars(word: &str) -> impl Iterator<Item = char> + '_ {
    word.chars().flat_map(|c| {
        let plain: &'static str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' => "a",
            'ç' | 'ć' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ę' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ł' => "l",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => "o",
            'ś' => "s",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' => "z",
            'ß' => "ss",
            'œ' => "oe",
            'æ' => "ae",
            _ => "",
        };
        let (one, many) = if plain.is_empty() { (Some(c), "") } else { (None, plain) };
        one.into_iter().chain(many.chars())
    })
}

/// Words too common to tell topics apart. Kept short: BM25 already weighs
/// common words down; these are the ones that otherwise decide short questions.
fn stop_words(lang: &str) -> &'static [&'static str] {
    match lang {
        "en" => &[
            "a", "an", "the", "i", "me", "my", "you", "your", "is", "are", "was", "it", "to", "of", "in", "on", "at", "for", "and",
            "or", "do", "does", "did", "can", "how", "what", "when", "why", "where", "this", "that", "be", "have", "has", "with",
            "from", "still", "please", "help", "hi", "hello", "there", "will", "should", "would", "am", "we", "our", "its", "if",
        ],
        "es" => &[
            "el", "la", "los", "las", "un", "una", "de", "del", "y", "o", "en", "a", "que", "mi", "mis", "me", "es", "por", "para",
            "con", "se", "lo", "como", "cuando", "donde", "qué", "cómo", "hola", "ayuda", "al", "su", "tu", "yo", "ya", "pero", "si",
        ],
        "it" => &[
            "il", "lo", "la", "i", "gli", "le", "un", "uno", "una", "di", "del", "della", "e", "o", "in", "a", "che", "mi", "mio",
            "mia", "miei", "è", "per", "con", "si", "come", "quando", "dove", "ciao", "aiuto", "al", "ho", "non", "ma", "da", "ancora", "se",
        ],
        "fr" => &[
            "le", "la", "les", "un", "une", "de", "du", "des", "et", "ou", "en", "à", "que", "je", "j", "mon", "ma", "mes", "est",
            "pour", "avec", "se", "comment", "quand", "où", "bonjour", "aide", "au", "pas", "ne", "l", "d", "qu", "il", "elle", "si", "ça", "ca",
        ],
        "nl" => &[
            "de", "het", "een", "en", "of", "in", "op", "te", "van", "ik", "mijn", "me", "is", "voor", "met", "hoe", "wat", "wanneer",
            "waar", "hallo", "hulp", "nog", "niet", "maar", "je", "jij", "er", "dat", "die", "aan", "als",
        ],
        "de" => &[
            "der", "die", "das", "den", "dem", "ein", "eine", "einen", "und", "oder", "in", "zu", "von", "ich", "mein", "meine",
            "mich", "mir", "ist", "für", "mit", "wie", "was", "wann", "wo", "hallo", "hilfe", "noch", "nicht", "aber", "es", "auf", "wenn", "falls",
        ],
        "pt" => &[
            "o", "a", "os", "as", "um", "uma", "de", "do", "da", "e", "ou", "em", "no", "na", "que", "meu", "minha", "me", "é",
            "para", "com", "se", "como", "quando", "onde", "olá", "ola", "ajuda", "ao", "eu", "não", "nao", "mas", "ainda",
        ],
        "pl" => &[
            "i", "w", "na", "z", "do", "nie", "się", "sie", "jak", "co", "kiedy", "gdzie", "mój", "moj", "moja", "moje", "mi", "mnie",
            "to", "jest", "czy", "o", "za", "od", "dla", "ale", "jeszcze", "już", "juz", "cześć", "czesc", "pomoc", "a", "że", "ze", "jeśli", "jesli", "jeżeli", "jezeli",
        ],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections_and_accents_meet() {
        assert_eq!(analyze("it", "rimborso"), analyze("it", "rimborsi"));
        assert_eq!(analyze("es", "envío"), analyze("es", "envio"));
        assert_eq!(analyze("en", "refunds"), analyze("en", "refund"));
        assert_eq!(analyze("de", "Rückerstattung"), analyze("de", "ruckerstattung"));
    }

    #[test]
    fn polish_endings_meet_through_a_prefix() {
        assert_eq!(analyze("pl", "paczka"), analyze("pl", "paczki"));
        assert_eq!(analyze("pl", "pieniędzy"), analyze("pl", "pieniadze"));
    }

    #[test]
    fn chinese_becomes_character_pairs() {
        assert_eq!(analyze("zh", "退款多久"), ["退款", "款多", "多久"]);
        // Latin words inside Chinese text are words.
        assert_eq!(analyze("zh", "PayPal退款"), ["paypal", "退款"]);
    }

    #[test]
    fn words_and_han_runs_split_where_the_script_or_a_separator_changes() {
        assert_eq!(
            tokens("Où est MON colis?PayPal退款 多久x2"),
            [
                Token::Word("où".into()),
                Token::Word("est".into()),
                Token::Word("mon".into()),
                Token::Word("colis".into()),
                Token::Word("paypal".into()),
                Token::Han("退款".into()),
                Token::Han("多久".into()),
                Token::Word("x2".into()),
            ]
        );
        assert_eq!(tokens(" ?! "), []);
    }

    #[test]
    fn folding_leaves_plain_letters_and_unknown_ones_alone() {
        assert_eq!(fold("Rückerstattung straße"), "Ruckerstattung strasse");
        assert_eq!(fold("parcel"), "parcel");
        assert_eq!(fold("пакет"), "пакет");
    }

    #[test]
    fn stop_words_and_punctuation_go() {
        assert_eq!(analyze("en", "Where is my parcel?!"), ["parcel"]);
        assert!(analyze("it", "dov'è il mio pacco").contains(&"pacc".to_string()));
    }

    #[test]
    fn if_is_no_term_in_any_language() {
        for (lang, question) in [
            ("en", "if"),
            ("es", "si"),
            ("it", "se"),
            ("fr", "si"),
            ("nl", "als"),
            ("de", "wenn falls"),
            ("pt", "se"),
            ("pl", "jeśli jesli jeżeli"),
            ("zh", "如果"),
        ] {
            assert_eq!(analyze(lang, question), Vec::<String>::new(), "{lang}: {question}");
        }
        assert_eq!(analyze("zh", "如果没到怎么办"), ["果没", "没到", "到怎"]);
    }
}
