//! The ways to reach the team, and the languages each is offered in (DESIGN.md).

use api_conventions::LANGUAGES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Chat,
    Phone,
    Email,
}

/// The phone line's languages (no zh, pt or pl: nobody on the line speaks them).
const PHONE_LANGUAGES: [&str; 6] = ["en", "es", "it", "fr", "nl", "de"];

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Chat, Channel::Phone, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Chat => "chat",
            Channel::Phone => "phone",
            Channel::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Every language the channel is ever offered in.
    pub fn languages(self) -> &'static [&'static str] {
        match self {
            Channel::Chat | Channel::Email => &LANGUAGES,
            Channel::Phone => &PHONE_LANGUAGES,
        }
    }

    pub fn speaks(self, lang: &str) -> bool {
        self.languages().contains(&lang)
    }

    /// Live channels need someone at the other end; email is read when it is read.
    pub fn is_live(self) -> bool {
        self != Channel::Email
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_and_chat_speak_all_nine_languages_and_phone_six() {
        for lang in LANGUAGES {
            assert!(
                Channel::Email.speaks(lang) && Channel::Chat.speaks(lang),
                "{lang}"
            );
        }
        let phone: Vec<&str> = LANGUAGES
            .into_iter()
            .filter(|l| Channel::Phone.speaks(l))
            .collect();
        assert_eq!(phone, ["en", "es", "it", "fr", "nl", "de"]);
        assert!(
            !Channel::Phone.speaks("zh")
                && !Channel::Phone.speaks("pl")
                && !Channel::Phone.speaks("pt")
        );
    }
}
