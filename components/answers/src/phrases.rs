//! Everything an answer says besides the KB's own text, in the nine
//! languages. Placeholders are `{name}`; [`fill`] replaces them.

/// The sentences of one language.
pub struct Phrases {
    pub awaiting_payment: &'static str,
    pub paid: &'static str,
    pub shipped: &'static str,
    pub shipped_overdue: &'static str,
    pub delivered: &'static str,
    pub protection_until: &'static str,
    pub cancelled: &'static str,
    pub refunded: &'static str,
    pub item: &'static str,
    pub message_seller_first: &'static str,
    pub seller_silent: &'static str,
    pub needs_person: &'static str,
    pub asked_for_person: &'static str,
    pub not_sure: &'static str,
    pub no_match: &'static str,
    pub unsupported_language: &'static str,
    pub source: &'static str,
}

const EN: Phrases = Phrases {
    awaiting_payment: "Your order {order} ({item}) is waiting for payment. Orders that stay unpaid are cancelled after 48 hours.",
    paid: "Your order {order} ({item}) was paid on {paid}. {seller} has not shipped it yet; sellers ship within 3 business days of payment.",
    shipped: "Your parcel for order {order} ({item}) was shipped on {shipped} with {carrier}, tracking number {tracking}. Estimated delivery: {eta}.",
    shipped_overdue: "Your parcel for order {order} ({item}) was shipped on {shipped} with {carrier}, tracking number {tracking}. It was expected by {eta} and has not been delivered yet.",
    delivered: "Your order {order} ({item}) was delivered on {delivered}.",
    protection_until: "Buyer protection covers it until {until}.",
    cancelled: "Your order {order} ({item}) was cancelled on {cancelled}.",
    refunded: "Your order {order} ({item}) was refunded on {refunded}: {total}.",
    item: "About {item} (sold by {seller}, {price}): {description}",
    message_seller_first: "Message the seller first from the order page: it is usually the fastest fix. If the seller does not reply within 2 days, talk to the support team.",
    seller_silent: "You messaged the seller more than 2 days ago without a solution: the support team can take it from here.",
    needs_person: "This needs a person from the support team: talk to them below.",
    asked_for_person: "You asked for a person: the support team is one click away below.",
    not_sure: "I am not sure this answers your question. This is the closest article; the support team can help if it does not.",
    no_match: "I could not find an article about this. Please rephrase your question, or talk to the support team.",
    unsupported_language: "Answers are not available in \"{asked}\", so this one is in English.",
    source: "Source",
};

const ES: Phrases = Phrases {
    awaiting_payment: "Tu pedido {order} ({item}) está pendiente de pago. Los pedidos sin pagar se cancelan a las 48 horas.",
    paid: "Tu pedido {order} ({item}) se pagó el {paid}. {seller} aún no lo ha enviado; los vendedores envían en un plazo de 3 días hábiles tras el pago.",
    shipped: "Tu paquete del pedido {order} ({item}) se envió el {shipped} con {carrier}, número de seguimiento {tracking}. Entrega estimada: {eta}.",
    shipped_overdue: "Tu paquete del pedido {order} ({item}) se envió el {shipped} con {carrier}, número de seguimiento {tracking}. Debía llegar como tarde el {eta} y aún no se ha entregado.",
    delivered: "Tu pedido {order} ({item}) se entregó el {delivered}.",
    protection_until: "La protección al comprador lo cubre hasta el {until}.",
    cancelled: "Tu pedido {order} ({item}) se canceló el {cancelled}.",
    refunded: "Tu pedido {order} ({item}) se reembolsó el {refunded}: {total}.",
    item: "Sobre {item} (vendido por {seller}, {price}): {description}",
    message_seller_first: "Escribe primero al vendedor desde la página del pedido: suele ser la solución más rápida. Si no responde en 2 días, habla con el equipo de soporte.",
    seller_silent: "Escribiste al vendedor hace más de 2 días sin solución: el equipo de soporte puede encargarse.",
    needs_person: "Esto requiere a una persona del equipo de soporte: contacta con ellos aquí abajo.",
    asked_for_person: "Has pedido hablar con una persona: el equipo de soporte está a un clic aquí abajo.",
    not_sure: "No estoy seguro de que esto responda a tu pregunta. Es el artículo más cercano; el equipo de soporte puede ayudarte si no es así.",
    no_match: "No he encontrado ningún artículo sobre esto. Reformula la pregunta o habla con el equipo de soporte.",
    unsupported_language: "Las respuestas no están disponibles en \"{asked}\"; esta está en inglés.",
    source: "Fuente",
};

const IT: Phrases = Phrases {
    awaiting_payment: "Il tuo ordine {order} ({item}) è in attesa di pagamento. Gli ordini non pagati vengono annullati dopo 48 ore.",
    paid: "Il tuo ordine {order} ({item}) è stato pagato il {paid}. {seller} non l'ha ancora spedito; i venditori spediscono entro 3 giorni lavorativi dal pagamento.",
    shipped: "Il pacco dell'ordine {order} ({item}) è stato spedito il {shipped} con {carrier}, numero di tracciamento {tracking}. Consegna prevista: {eta}.",
    shipped_overdue: "Il pacco dell'ordine {order} ({item}) è stato spedito il {shipped} con {carrier}, numero di tracciamento {tracking}. Era previsto entro il {eta} e non è ancora stato consegnato.",
    delivered: "Il tuo ordine {order} ({item}) è stato consegnato il {delivered}.",
    protection_until: "La protezione acquisti lo copre fino al {until}.",
    cancelled: "Il tuo ordine {order} ({item}) è stato annullato il {cancelled}.",
    refunded: "Il tuo ordine {order} ({item}) è stato rimborsato il {refunded}: {total}.",
    item: "Su {item} (venduto da {seller}, {price}): {description}",
    message_seller_first: "Scrivi prima al venditore dalla pagina dell'ordine: di solito è la soluzione più rapida. Se non risponde entro 2 giorni, parla con il team di assistenza.",
    seller_silent: "Hai scritto al venditore più di 2 giorni fa senza una soluzione: ora può occuparsene il team di assistenza.",
    needs_person: "Qui serve una persona del team di assistenza: contattala qui sotto.",
    asked_for_person: "Hai chiesto di parlare con una persona: il team di assistenza è a un clic, qui sotto.",
    not_sure: "Non sono sicuro che questo risponda alla tua domanda. È l'articolo più vicino; se non basta, il team di assistenza può aiutarti.",
    no_match: "Non ho trovato articoli su questo. Prova a riformulare la domanda o parla con il team di assistenza.",
    unsupported_language: "Le risposte non sono disponibili in \"{asked}\": questa è in inglese.",
    source: "Fonte",
};

const FR: Phrases = Phrases {
    awaiting_payment: "Ta commande {order} ({item}) attend le paiement. Les commandes non payées sont annulées après 48 heures.",
    paid: "Ta commande {order} ({item}) a été payée le {paid}. {seller} ne l'a pas encore expédiée ; les vendeurs expédient sous 3 jours ouvrés après le paiement.",
    shipped: "Ton colis de la commande {order} ({item}) a été expédié le {shipped} avec {carrier}, numéro de suivi {tracking}. Livraison estimée : {eta}.",
    shipped_overdue: "Ton colis de la commande {order} ({item}) a été expédié le {shipped} avec {carrier}, numéro de suivi {tracking}. Il était attendu au plus tard le {eta} et n'a pas encore été livré.",
    delivered: "Ta commande {order} ({item}) a été livrée le {delivered}.",
    protection_until: "La protection acheteur la couvre jusqu'au {until}.",
    cancelled: "Ta commande {order} ({item}) a été annulée le {cancelled}.",
    refunded: "Ta commande {order} ({item}) a été remboursée le {refunded} : {total}.",
    item: "À propos de {item} (vendu par {seller}, {price}) : {description}",
    message_seller_first: "Écris d'abord au vendeur depuis la page de la commande : c'est généralement le plus rapide. S'il ne répond pas sous 2 jours, contacte l'équipe d'assistance.",
    seller_silent: "Tu as écrit au vendeur il y a plus de 2 jours sans solution : l'équipe d'assistance peut prendre le relais.",
    needs_person: "Cela demande une personne de l'équipe d'assistance : contacte-la ci-dessous.",
    asked_for_person: "Tu as demandé à parler à une personne : l'équipe d'assistance est à un clic, ci-dessous.",
    not_sure: "Je ne suis pas sûr que cela réponde à ta question. C'est l'article le plus proche ; sinon, l'équipe d'assistance peut t'aider.",
    no_match: "Je n'ai trouvé aucun article à ce sujet. Reformule ta question ou contacte l'équipe d'assistance.",
    unsupported_language: "Les réponses ne sont pas disponibles en « {asked} » : celle-ci est en anglais.",
    source: "Source",
};

const NL: Phrases = Phrases {
    awaiting_payment: "Je bestelling {order} ({item}) wacht op betaling. Onbetaalde bestellingen worden na 48 uur geannuleerd.",
    paid: "Je bestelling {order} ({item}) is betaald op {paid}. {seller} heeft hem nog niet verzonden; verkopers verzenden binnen 3 werkdagen na betaling.",
    shipped: "Je pakket voor bestelling {order} ({item}) is op {shipped} verzonden met {carrier}, trackingnummer {tracking}. Verwachte levering: {eta}.",
    shipped_overdue: "Je pakket voor bestelling {order} ({item}) is op {shipped} verzonden met {carrier}, trackingnummer {tracking}. Het werd uiterlijk {eta} verwacht en is nog niet bezorgd.",
    delivered: "Je bestelling {order} ({item}) is bezorgd op {delivered}.",
    protection_until: "De kopersbescherming dekt hem tot {until}.",
    cancelled: "Je bestelling {order} ({item}) is geannuleerd op {cancelled}.",
    refunded: "Je bestelling {order} ({item}) is terugbetaald op {refunded}: {total}.",
    item: "Over {item} (verkocht door {seller}, {price}): {description}",
    message_seller_first: "Stuur eerst de verkoper een bericht via de bestelpagina: dat is meestal het snelst opgelost. Reageert de verkoper niet binnen 2 dagen, neem dan contact op met het supportteam.",
    seller_silent: "Je hebt de verkoper meer dan 2 dagen geleden een bericht gestuurd zonder oplossing: het supportteam kan het nu overnemen.",
    needs_person: "Hiervoor is iemand van het supportteam nodig: neem hieronder contact op.",
    asked_for_person: "Je vroeg om een mens: het supportteam is hieronder één klik verwijderd.",
    not_sure: "Ik weet niet zeker of dit je vraag beantwoordt. Dit is het artikel dat er het dichtst bij komt; anders kan het supportteam helpen.",
    no_match: "Ik heb hier geen artikel over gevonden. Formuleer je vraag anders of neem contact op met het supportteam.",
    unsupported_language: "Antwoorden zijn niet beschikbaar in \"{asked}\", dus dit antwoord is in het Engels.",
    source: "Bron",
};

const DE: Phrases = Phrases {
    awaiting_payment: "Deine Bestellung {order} ({item}) wartet auf die Zahlung. Unbezahlte Bestellungen werden nach 48 Stunden storniert.",
    paid: "Deine Bestellung {order} ({item}) wurde am {paid} bezahlt. {seller} hat sie noch nicht versendet; Verkäufer versenden innerhalb von 3 Werktagen nach der Zahlung.",
    shipped: "Dein Paket zur Bestellung {order} ({item}) wurde am {shipped} mit {carrier} versendet, Sendungsnummer {tracking}. Voraussichtliche Zustellung: {eta}.",
    shipped_overdue: "Dein Paket zur Bestellung {order} ({item}) wurde am {shipped} mit {carrier} versendet, Sendungsnummer {tracking}. Es wurde bis {eta} erwartet und ist noch nicht zugestellt.",
    delivered: "Deine Bestellung {order} ({item}) wurde am {delivered} zugestellt.",
    protection_until: "Der Käuferschutz gilt bis {until}.",
    cancelled: "Deine Bestellung {order} ({item}) wurde am {cancelled} storniert.",
    refunded: "Deine Bestellung {order} ({item}) wurde am {refunded} erstattet: {total}.",
    item: "Zu {item} (verkauft von {seller}, {price}): {description}",
    message_seller_first: "Schreib zuerst dem Verkäufer über die Bestellseite: Das ist meist der schnellste Weg. Antwortet er nicht innerhalb von 2 Tagen, wende dich an das Support-Team.",
    seller_silent: "Du hast dem Verkäufer vor mehr als 2 Tagen geschrieben, ohne Lösung: Das Support-Team kann jetzt übernehmen.",
    needs_person: "Dafür braucht es eine Person aus dem Support-Team: Kontaktiere es unten.",
    asked_for_person: "Du möchtest mit einem Menschen sprechen: Das Support-Team ist unten nur einen Klick entfernt.",
    not_sure: "Ich bin nicht sicher, ob das deine Frage beantwortet. Das ist der passendste Artikel; sonst hilft dir das Support-Team.",
    no_match: "Ich habe dazu keinen Artikel gefunden. Formuliere deine Frage anders oder wende dich an das Support-Team.",
    unsupported_language: "Antworten gibt es nicht auf \"{asked}\", deshalb ist diese auf Englisch.",
    source: "Quelle",
};

const ZH: Phrases = Phrases {
    awaiting_payment: "您的订单 {order}（{item}）正在等待付款。未付款的订单会在 48 小时后取消。",
    paid: "您的订单 {order}（{item}）已于 {paid} 付款。{seller} 尚未发货；卖家须在付款后 3 个工作日内发货。",
    shipped: "订单 {order}（{item}）的包裹已于 {shipped} 通过 {carrier} 发出，物流单号 {tracking}。预计送达：{eta}。",
    shipped_overdue: "订单 {order}（{item}）的包裹已于 {shipped} 通过 {carrier} 发出，物流单号 {tracking}。预计最晚 {eta} 送达，但目前仍未送达。",
    delivered: "您的订单 {order}（{item}）已于 {delivered} 送达。",
    protection_until: "买家保障有效期至 {until}。",
    cancelled: "您的订单 {order}（{item}）已于 {cancelled} 取消。",
    refunded: "您的订单 {order}（{item}）已于 {refunded} 退款：{total}。",
    item: "关于 {item}（卖家 {seller}，{price}）：{description}",
    message_seller_first: "请先在订单页面给卖家发消息：这通常是最快的解决办法。如果卖家 2 天内没有回复，请联系客服团队。",
    seller_silent: "您在 2 天多前已给卖家发过消息但问题仍未解决：现在可以交给客服团队处理。",
    needs_person: "这个问题需要客服人员处理：请在下方联系客服团队。",
    asked_for_person: "您希望与人工客服沟通：在下方点击即可联系客服团队。",
    not_sure: "我不确定这是否回答了您的问题。这是最相关的文章；如果没有帮助，客服团队可以协助您。",
    no_match: "没有找到相关文章。请换一种说法提问，或联系客服团队。",
    unsupported_language: "暂不支持“{asked}”语言的回答，因此本回答为英文。",
    source: "来源",
};

const PT: Phrases = Phrases {
    awaiting_payment: "A tua encomenda {order} ({item}) está a aguardar pagamento. As encomendas não pagas são canceladas após 48 horas.",
    paid: "A tua encomenda {order} ({item}) foi paga a {paid}. {seller} ainda não a enviou; os vendedores enviam no prazo de 3 dias úteis após o pagamento.",
    shipped: "A encomenda {order} ({item}) foi enviada a {shipped} com {carrier}, número de seguimento {tracking}. Entrega prevista: {eta}.",
    shipped_overdue: "A encomenda {order} ({item}) foi enviada a {shipped} com {carrier}, número de seguimento {tracking}. Era esperada até {eta} e ainda não foi entregue.",
    delivered: "A tua encomenda {order} ({item}) foi entregue a {delivered}.",
    protection_until: "A proteção do comprador cobre-a até {until}.",
    cancelled: "A tua encomenda {order} ({item}) foi cancelada a {cancelled}.",
    refunded: "A tua encomenda {order} ({item}) foi reembolsada a {refunded}: {total}.",
    item: "Sobre {item} (vendido por {seller}, {price}): {description}",
    message_seller_first: "Envia primeiro uma mensagem ao vendedor na página da encomenda: costuma ser a solução mais rápida. Se não responder em 2 dias, fala com a equipa de apoio.",
    seller_silent: "Enviaste mensagem ao vendedor há mais de 2 dias sem solução: a equipa de apoio pode tratar do assunto.",
    needs_person: "Isto precisa de uma pessoa da equipa de apoio: contacta-a abaixo.",
    asked_for_person: "Pediste para falar com uma pessoa: a equipa de apoio está a um clique, abaixo.",
    not_sure: "Não tenho a certeza de que isto responde à tua pergunta. É o artigo mais próximo; se não ajudar, a equipa de apoio pode ajudar.",
    no_match: "Não encontrei nenhum artigo sobre isto. Reformula a pergunta ou fala com a equipa de apoio.",
    unsupported_language: "As respostas não estão disponíveis em \"{asked}\"; esta está em inglês.",
    source: "Fonte",
};

const PL: Phrases = Phrases {
    awaiting_payment: "Twoje zamówienie {order} ({item}) czeka na płatność. Nieopłacone zamówienia są anulowane po 48 godzinach.",
    paid: "Twoje zamówienie {order} ({item}) zostało opłacone {paid}. {seller} jeszcze go nie wysłał; sprzedawcy wysyłają w ciągu 3 dni roboczych od płatności.",
    shipped: "Paczka z zamówienia {order} ({item}) została wysłana {shipped} przez {carrier}, numer przesyłki {tracking}. Przewidywana dostawa: {eta}.",
    shipped_overdue: "Paczka z zamówienia {order} ({item}) została wysłana {shipped} przez {carrier}, numer przesyłki {tracking}. Miała dotrzeć do {eta} i wciąż nie została doręczona.",
    delivered: "Twoje zamówienie {order} ({item}) zostało doręczone {delivered}.",
    protection_until: "Ochrona kupującego obowiązuje do {until}.",
    cancelled: "Twoje zamówienie {order} ({item}) zostało anulowane {cancelled}.",
    refunded: "Za zamówienie {order} ({item}) zwrócono pieniądze {refunded}: {total}.",
    item: "O {item} (sprzedawca {seller}, {price}): {description}",
    message_seller_first: "Najpierw napisz do sprzedawcy ze strony zamówienia: to zwykle najszybsze rozwiązanie. Jeśli nie odpowie w ciągu 2 dni, skontaktuj się z zespołem obsługi.",
    seller_silent: "Napisałeś do sprzedawcy ponad 2 dni temu i nic się nie wyjaśniło: teraz może się tym zająć zespół obsługi.",
    needs_person: "Tym musi się zająć osoba z zespołu obsługi: skontaktuj się poniżej.",
    asked_for_person: "Chcesz porozmawiać z człowiekiem: zespół obsługi jest poniżej, jedno kliknięcie.",
    not_sure: "Nie mam pewności, że to odpowiada na Twoje pytanie. To najbliższy artykuł; jeśli nie pomoże, zespół obsługi pomoże.",
    no_match: "Nie znalazłem artykułu na ten temat. Sformułuj pytanie inaczej albo skontaktuj się z zespołem obsługi.",
    unsupported_language: "Odpowiedzi nie są dostępne w języku \"{asked}\", więc ta jest po angielsku.",
    source: "Źródło",
};

/// The phrases of `lang`, English for anything else.
pub fn phrases(lang: &str) -> &'static Phrases {
    match lang {
        "es" => &ES,
        "it" => &IT,
        "fr" => &FR,
        "nl" => &NL,
        "de" => &DE,
        "zh" => &ZH,
        "pt" => &PT,
        "pl" => &PL,
        _ => &EN,
    }
}

/// `template` with every `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut text = template.to_string();
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_keeps_the_placeholders_of_english() {
        let placeholders = |t: &str| -> Vec<String> {
            let mut names: Vec<String> = t.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string())).collect();
            names.sort();
            names
        };
        let fields = |p: &Phrases| {
            [
                p.awaiting_payment, p.paid, p.shipped, p.shipped_overdue, p.delivered, p.protection_until, p.cancelled, p.refunded, p.item,
                p.unsupported_language,
            ]
        };
        for lang in api_conventions::LANGUAGES {
            for (theirs, english) in fields(phrases(lang)).iter().zip(fields(&EN)) {
                assert_eq!(placeholders(theirs), placeholders(english), "{lang}: {theirs}");
            }
        }
    }
}
