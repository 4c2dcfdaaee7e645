//! KB articles as written in `kb/<lang>/<id>.md`: front matter, an
//! introduction, `##` sections. And the check that fails the build when a
//! topic misses a language or an article misses a field.

use std::collections::{BTreeMap, BTreeSet};

/// The nine languages every topic is written in.
pub const LANGUAGES: [&str; 9] = ["en", "es", "it", "fr", "nl", "de", "zh", "pt", "pl"];

/// The topic ids DESIGN.md promises; the KB may have more, never fewer.
pub const REQUIRED_TOPICS: [&str; 25] = [
    "contact-support",
    "message-seller",
    "support-languages",
    "payment-methods",
    "payment-failed",
    "buyer-protection",
    "fees",
    "shipping-times",
    "tracking",
    "item-not-received",
    "item-damaged",
    "item-not-as-described",
    "returns",
    "order-cancellation",
    "refunds",
    "disputes-and-cases",
    "external-dispute-resolution",
    "counterfeit-report",
    "fraud-and-phishing",
    "account-login",
    "account-security",
    "account-suspension",
    "change-address",
    "customs-and-import",
    "delete-account",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: String,
    pub lang: String,
    pub title: String,
    pub tags: Vec<String>,
    /// `YYYY-MM-DD`.
    pub updated: String,
    /// The text before the first `##` heading.
    pub intro: String,
    pub sections: Vec<Section>,
}

/// Parses one article; `path` is only for messages. Every field of the front
/// matter is required and checked.
pub fn parse(path: &str, text: &str) -> Result<Article, String> {
    let fail = |what: String| format!("{path}: {what}");
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n");
    let rest = text.strip_prefix("---\n").ok_or_else(|| fail("does not start with a `---` front matter line".into()))?;
    let (front, body) = rest.split_once("\n---\n").ok_or_else(|| fail("the front matter has no closing `---` line".into()))?;

    let mut fields = BTreeMap::new();
    for line in front.lines().filter(|l| !l.trim().is_empty()) {
        let (key, value) = line.split_once(':').ok_or_else(|| fail(format!("front matter line {line:?} is not `key: value`")))?;
        fields.insert(key.trim().to_string(), value.trim().to_string());
    }
    let mut field = |name: &str| -> Result<String, String> {
        fields
            .remove(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| fail(format!("the front matter misses `{name}` (needs id, lang, title, tags, updated)")))
    };
    let id = field("id")?;
    let lang = field("lang")?;
    let title = field("title")?;
    let tags_text = field("tags")?;
    let updated = field("updated")?;
    if let Some(unknown) = fields.keys().next() {
        return Err(fail(format!("unknown front matter field `{unknown}`")));
    }
    let tags: Vec<String> = tags_text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| fail(format!("`tags` must be a list in brackets, not {tags_text:?}")))?
        .split(',')
        .map(|t| t.trim().trim_matches(['"', '\'']).to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if tags.is_empty() {
        return Err(fail("`tags` is empty".into()));
    }
    if !is_date(&updated) {
        return Err(fail(format!("`updated` must be a date like 2026-11-20, not {updated:?}")));
    }

    let mut intro = String::new();
    let mut sections: Vec<Section> = Vec::new();
    for line in body.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            sections.push(Section { heading: heading.trim().to_string(), text: String::new() });
            continue;
        }
        let target = match sections.last_mut() {
            Some(section) => &mut section.text,
            None => &mut intro,
        };
        target.push_str(line);
        target.push('\n');
    }
    let intro = intro.trim().to_string();
    for section in &mut sections {
        section.text = section.text.trim().to_string();
    }
    if intro.is_empty() && sections.is_empty() {
        return Err(fail("the article has no text".into()));
    }
    Ok(Article { id, lang, title, tags, updated, intro, sections })
}

fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && [4, 2, 2].iter().zip(&parts).all(|(len, part)| part.len() == *len && part.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks the KB as a whole: each article's id and language match its path
/// (`<lang>/<id>.md`), every topic (at least [`REQUIRED_TOPICS`]) exists in
/// all [`LANGUAGES`], nothing else is there. Returns every problem at once.
pub fn check(articles: &[(String, Article)]) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut by_topic: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (path, article) in articles {
        let expected = format!("{}/{}.md", article.lang, article.id);
        if !path.ends_with(&expected) {
            problems.push(format!("{path}: id `{}` and lang `{}` say it should be at kb/{expected}", article.id, article.lang));
        }
        if !LANGUAGES.contains(&article.lang.as_str()) {
            problems.push(format!("{path}: `{}` is not one of the nine languages {LANGUAGES:?}", article.lang));
        }
        if !by_topic.entry(&article.id).or_default().insert(&article.lang) {
            problems.push(format!("{path}: a second `{}` article in `{}`", article.id, article.lang));
        }
    }
    for topic in REQUIRED_TOPICS {
        by_topic.entry(topic).or_default();
    }
    for (topic, langs) in &by_topic {
        let missing: Vec<&str> = LANGUAGES.iter().copied().filter(|l| !langs.contains(l)).collect();
        if !missing.is_empty() {
            problems.push(format!("topic `{topic}` has no article in {}: write kb/<lang>/{topic}.md for each", missing.join(", ")));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "---\nid: refunds\nlang: en\ntitle: When will I get my refund?\ntags: [refund, money back]\nupdated: 2026-11-20\n---\n\nRefunds take 1 to 5 business days.\n\n## What to do\n\n1. Wait.\n2. Check your bank.\n";

    #[test]
    fn an_article_parses_into_front_matter_intro_and_sections() {
        let a = parse("kb/en/refunds.md", ARTICLE).unwrap();
        assert_eq!((a.id.as_str(), a.lang.as_str(), a.updated.as_str()), ("refunds", "en", "2026-11-20"));
        assert_eq!(a.tags, ["refund", "money back"]);
        assert_eq!(a.intro, "Refunds take 1 to 5 business days.");
        assert_eq!(a.sections, [Section { heading: "What to do".into(), text: "1. Wait.\n2. Check your bank.".into() }]);
    }

    #[test]
    fn a_missing_or_malformed_field_is_named() {
        let no_title = ARTICLE.replace("title: When will I get my refund?\n", "");
        assert!(parse("x.md", &no_title).unwrap_err().contains("`title`"));
        let bad_date = ARTICLE.replace("2026-11-20", "last week");
        assert!(parse("x.md", &bad_date).unwrap_err().contains("`updated`"));
        let bad_tags = ARTICLE.replace("[refund, money back]", "refund");
        assert!(parse("x.md", &bad_tags).unwrap_err().contains("`tags`"));
        assert!(parse("x.md", "no front matter").is_err());
    }

    #[test]
    fn a_topic_missing_a_language_fails_the_check() {
        let articles: Vec<(String, Article)> = LANGUAGES
            .iter()
            .skip(1)
            .map(|lang| {
                let text = ARTICLE.replace("lang: en", &format!("lang: {lang}"));
                (format!("kb/{lang}/refunds.md"), parse("x", &text).unwrap())
            })
            .collect();
        let problems = check(&articles).unwrap_err();
        assert!(problems.iter().any(|p| p.contains("topic `refunds` has no article in en")), "{problems:?}");
        // The other required topics are reported too.
        assert!(problems.iter().any(|p| p.contains("topic `tracking`")));
    }

    #[test]
    fn an_article_in_the_wrong_place_fails_the_check() {
        let article = parse("x", ARTICLE).unwrap();
        let problems = check(&[("kb/it/refunds.md".into(), article)]).unwrap_err();
        assert!(problems.iter().any(|p| p.contains("should be at kb/en/refunds.md")));
    }
}
