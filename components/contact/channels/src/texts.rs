//! The reasons the page shows, in the nine languages, in the order of
//! [`api_conventions::LANGUAGES`]: en, es, it, fr, nl, de, zh, pt, pl.

use crate::recommend::Reason;
use api_conventions::LANGUAGES;
use marketplace::SELLER_REPLY_WINDOW;

/// `{days}` stands for the seller's reply window, so the text follows the rule.
const SELLER_FIRST: [&str; 9] = [
    "Message the seller first: that is usually the fastest fix. If they have not answered within {days} days, contact the team.",
    "Escribe primero al vendedor: suele ser la solución más rápida. Si no responde en {days} días, contacta con el equipo.",
    "Scrivi prima al venditore: di solito è la soluzione più rapida. Se non risponde entro {days} giorni, contatta il team.",
    "Écrivez d'abord au vendeur : c'est généralement le plus rapide. S'il n'a pas répondu sous {days} jours, contactez l'équipe.",
    "Stuur eerst de verkoper een bericht: dat is meestal het snelst. Heeft die na {days} dagen niet geantwoord, neem dan contact op met het team.",
    "Schreib zuerst dem Verkäufer: Das ist meist der schnellste Weg. Hat er nach {days} Tagen nicht geantwortet, kontaktiere das Team.",
    "请先联系卖家：这通常是最快的解决办法。如果卖家 {days} 天内没有回复，请联系支持团队。",
    "Envie primeiro uma mensagem ao vendedor: costuma ser a solução mais rápida. Se não responder em {days} dias, contacte a equipa.",
    "Najpierw napisz do sprzedawcy: to zwykle najszybsze rozwiązanie. Jeśli nie odpowie w ciągu {days} dni, skontaktuj się z zespołem.",
];

const URGENT_PHONE: [&str; 9] = [
    "Account and security problems are best handled live: call the team now.",
    "Los problemas de cuenta y seguridad se resuelven mejor en directo: llama al equipo ahora.",
    "I problemi di account e sicurezza si risolvono meglio dal vivo: chiama subito il team.",
    "Les problèmes de compte et de sécurité se règlent mieux de vive voix : appelez l'équipe maintenant.",
    "Problemen met je account of beveiliging los je het best direct op: bel het team nu.",
    "Konto- und Sicherheitsprobleme lassen sich am besten direkt klären: Ruf das Team jetzt an.",
    "账户和安全问题最好直接沟通：请立即致电支持团队。",
    "Problemas de conta e segurança resolvem-se melhor de viva voz: ligue já para a equipa.",
    "Problemy z kontem i bezpieczeństwem najlepiej wyjaśnić na żywo: zadzwoń teraz do zespołu.",
];

const URGENT_CHAT: [&str; 9] = [
    "Chat with the team now: account and security problems are handled first.",
    "Chatea con el equipo ahora: los problemas de cuenta y seguridad se atienden primero.",
    "Scrivi subito al team in chat: i problemi di account e sicurezza hanno la precedenza.",
    "Discutez avec l'équipe par chat maintenant : les problèmes de compte et de sécurité sont traités en priorité.",
    "Chat nu met het team: problemen met je account of beveiliging krijgen voorrang.",
    "Chatte jetzt mit dem Team: Konto- und Sicherheitsprobleme werden zuerst bearbeitet.",
    "请立即通过在线聊天联系支持团队：账户和安全问题会优先处理。",
    "Fale já com a equipa por chat: problemas de conta e segurança são tratados primeiro.",
    "Napisz teraz do zespołu na czacie: problemy z kontem i bezpieczeństwem są obsługiwane w pierwszej kolejności.",
];

const URGENT_EMAIL: [&str; 9] = [
    "Phone and chat are not available right now. Write to the team: account and security problems are handled first when they open.",
    "El teléfono y el chat no están disponibles ahora. Escribe al equipo: los problemas de cuenta y seguridad se atienden primero en cuanto abran.",
    "Telefono e chat non sono disponibili in questo momento. Scrivi al team: i problemi di account e sicurezza hanno la precedenza alla riapertura.",
    "Le téléphone et le chat ne sont pas disponibles pour le moment. Écrivez à l'équipe : les problèmes de compte et de sécurité seront traités en priorité à la réouverture.",
    "Telefoon en chat zijn nu niet beschikbaar. Schrijf het team: problemen met je account of beveiliging krijgen voorrang zodra ze weer open zijn.",
    "Telefon und Chat sind gerade nicht verfügbar. Schreib dem Team: Konto- und Sicherheitsprobleme werden nach der Öffnung zuerst bearbeitet.",
    "电话和在线聊天目前不可用。请给支持团队留言：开放后会优先处理账户和安全问题。",
    "O telefone e o chat não estão disponíveis neste momento. Escreva à equipa: problemas de conta e segurança são tratados primeiro quando reabrirem.",
    "Telefon i czat są teraz niedostępne. Napisz do zespołu: problemy z kontem i bezpieczeństwem zostaną obsłużone w pierwszej kolejności po otwarciu.",
];

const ORDER_CHAT: [&str; 9] = [
    "For a problem with an order, chat lets the team look at it with you right away.",
    "Para un problema con un pedido, el chat permite al equipo revisarlo contigo al momento.",
    "Per un problema con un ordine, in chat il team può verificarlo con te subito.",
    "Pour un problème de commande, le chat permet à l'équipe de l'examiner avec vous tout de suite.",
    "Bij een probleem met een bestelling kan het team het via de chat meteen met je bekijken.",
    "Bei einem Problem mit einer Bestellung kann das Team es im Chat sofort mit dir prüfen.",
    "订单出现问题时，通过在线聊天，支持团队可以立即与您一起查看。",
    "Para um problema com uma encomenda, no chat a equipa pode analisá-lo consigo de imediato.",
    "W sprawie problemu z zamówieniem zespół może od razu sprawdzić je z Tobą na czacie.",
];

const ORDER_EMAIL: [&str; 9] = [
    "Chat is not available right now. Write to the team with the details of your order and they will reply by email.",
    "El chat no está disponible ahora. Escribe al equipo con los detalles de tu pedido y te responderán por correo electrónico.",
    "La chat non è disponibile in questo momento. Scrivi al team con i dettagli dell'ordine: ti risponderà via email.",
    "Le chat n'est pas disponible pour le moment. Écrivez à l'équipe avec les détails de votre commande : elle vous répondra par e-mail.",
    "De chat is nu niet beschikbaar. Schrijf het team met de gegevens van je bestelling; je krijgt antwoord per e-mail.",
    "Der Chat ist gerade nicht verfügbar. Schreib dem Team mit den Angaben zu deiner Bestellung; die Antwort kommt per E-Mail.",
    "在线聊天目前不可用。请写信给支持团队并附上订单详情，团队会通过电子邮件回复您。",
    "O chat não está disponível neste momento. Escreva à equipa com os dados da sua encomenda; a resposta chega por e-mail.",
    "Czat jest teraz niedostępny. Napisz do zespołu, podając szczegóły zamówienia; odpowiedź przyjdzie e-mailem.",
];

const GENERAL_EMAIL: [&str; 9] = [
    "For a general question, write to the team: they reply by email with a full answer.",
    "Para una pregunta general, escribe al equipo: te responderán por correo electrónico con una respuesta completa.",
    "Per una domanda generale, scrivi al team: ti risponderà via email in modo completo.",
    "Pour une question générale, écrivez à l'équipe : elle vous répondra par e-mail de façon complète.",
    "Voor een algemene vraag schrijf je het team: je krijgt een volledig antwoord per e-mail.",
    "Für eine allgemeine Frage schreib dem Team: Du bekommst eine ausführliche Antwort per E-Mail.",
    "一般问题请写信给支持团队：团队会通过电子邮件给您完整的答复。",
    "Para uma pergunta geral, escreva à equipa: receberá uma resposta completa por e-mail.",
    "W przypadku ogólnego pytania napisz do zespołu: otrzymasz pełną odpowiedź e-mailem.",
];

const PHONE_NOT_IN_LANGUAGE: [&str; 9] = [
    "Phone support is in English, Spanish, Italian, French, Dutch and German. Chat and email are in your language.",
    "La atención telefónica es en inglés, español, italiano, francés, neerlandés y alemán. El chat y el correo electrónico están en tu idioma.",
    "L'assistenza telefonica è in inglese, spagnolo, italiano, francese, olandese e tedesco. Chat ed email sono nella tua lingua.",
    "L'assistance téléphonique est en anglais, espagnol, italien, français, néerlandais et allemand. Le chat et l'e-mail sont dans votre langue.",
    "Telefonische hulp is er in het Engels, Spaans, Italiaans, Frans, Nederlands en Duits. Chat en e-mail zijn in jouw taal.",
    "Telefonischer Support ist auf Englisch, Spanisch, Italienisch, Französisch, Niederländisch und Deutsch verfügbar. Chat und E-Mail gibt es in deiner Sprache.",
    "电话支持提供英语、西班牙语、意大利语、法语、荷兰语和德语服务。在线聊天和电子邮件支持您的语言。",
    "O apoio telefónico é em inglês, espanhol, italiano, francês, neerlandês e alemão. O chat e o e-mail estão no seu idioma.",
    "Wsparcie telefoniczne jest po angielsku, hiszpańsku, włosku, francusku, niderlandzku i niemiecku. Czat i e-mail są w Twoim języku.",
];

/// The reason's text in `lang` (English for a code outside the nine).
pub fn text(reason: Reason, lang: &str) -> String {
    let table = match reason {
        Reason::UrgentPhone => &URGENT_PHONE,
        Reason::UrgentChat => &URGENT_CHAT,
        Reason::UrgentEmail => &URGENT_EMAIL,
        Reason::OrderChat => &ORDER_CHAT,
        Reason::OrderEmail => &ORDER_EMAIL,
        Reason::GeneralEmail => &GENERAL_EMAIL,
        Reason::SellerFirst => &SELLER_FIRST,
        Reason::PhoneNotInLanguage => &PHONE_NOT_IN_LANGUAGE,
    };
    // LANGUAGES and the tables have the same nine entries; English otherwise.
    let text = LANGUAGES
        .iter()
        .zip(table)
        .find(|(l, _)| **l == lang)
        .map_or(table[0], |(_, text)| *text);
    text.replace("{days}", &(SELLER_REPLY_WINDOW / 86_400).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Reason; 8] = [
        Reason::UrgentPhone,
        Reason::UrgentChat,
        Reason::UrgentEmail,
        Reason::OrderChat,
        Reason::OrderEmail,
        Reason::GeneralEmail,
        Reason::SellerFirst,
        Reason::PhoneNotInLanguage,
    ];

    #[test]
    fn every_reason_has_its_own_text_in_each_of_the_nine_languages() {
        for reason in ALL {
            let english = text(reason, "en");
            for lang in LANGUAGES.into_iter().skip(1) {
                let translated = text(reason, lang);
                assert!(
                    !translated.is_empty() && translated != english,
                    "{reason:?} in {lang}"
                );
            }
        }
        assert_eq!(text(Reason::OrderChat, "sv"), text(Reason::OrderChat, "en"));
    }

    #[test]
    fn the_seller_first_text_names_the_reply_window() {
        assert!(text(Reason::SellerFirst, "it").contains("entro 2 giorni"));
        assert!(!text(Reason::SellerFirst, "zh").contains("{days}"));
    }
}
