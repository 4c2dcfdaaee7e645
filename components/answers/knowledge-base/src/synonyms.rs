//! The words buyers use for the same thing, per language, and misspellings
//! too far from the right word for the edit-distance search. Each group is a
//! set of equivalent words; a question's word brings in the others of its
//! groups. Articles carry topic-specific phrasings in their `tags`; these
//! are the everyday words that cut across topics.

use crate::analysis::analyze;

const EN: &[&[&str]] = &[
    &["parcel", "package", "pakage", "packet", "delivery", "shipment"],
    &["refund", "money back", "reimburse", "refound", "repay"],
    &["arrived", "received", "delivered", "came", "recieved", "arrive"],
    &["broken", "damaged", "smashed", "cracked", "shattered"],
    &["fake", "counterfeit", "replica", "knockoff", "imitation"],
    &["scam", "fraud", "phishing", "scammer", "fraudster"],
    &["cancel", "cancellation", "cancelation"],
    &["account", "profile"],
    &["login", "log", "sign", "signin", "password"],
    &["hacked", "compromised", "takeover"],
    &["banned", "suspended", "blocked", "restricted"],
    &["customs", "import", "duty", "duties", "vat"],
    &["tracking", "track", "trace"],
    &["seller", "vendor", "shop"],
    &["human", "agent", "person", "operator", "support", "team"],
    &["wrong", "different", "not as described"],
    &["return", "send back"],
    &["fee", "fees", "charge", "commission", "cost"],
];

const ES: &[&[&str]] = &[
    &["paquete", "envio", "pedido", "encomienda", "paqete"],
    &["reembolso", "devolucion del dinero", "rembolso", "reembolzo"],
    &["llegado", "recibido", "entregado", "llega", "llego"],
    &["roto", "dañado", "danado", "rota", "estropeado"],
    &["falso", "falsificado", "imitacion", "replica"],
    &["estafa", "fraude", "timo", "estafador", "phishing"],
    &["cancelar", "anular", "cancelacion"],
    &["cuenta", "perfil"],
    &["contraseña", "contrasena", "iniciar", "sesion", "login"],
    &["hackeado", "pirateado", "robada"],
    &["suspendida", "bloqueada", "suspendido", "bloqueado"],
    &["aduana", "aduanas", "importacion", "iva"],
    &["seguimiento", "tracking", "rastreo"],
    &["vendedor", "tienda"],
    &["persona", "agente", "humano", "operador", "soporte"],
];

const IT: &[&[&str]] = &[
    &["pacco", "spedizione", "ordine", "collo", "pachetto", "pacchetto"],
    &["rimborso", "soldi indietro", "rimborzo", "rimbroso", "rimborsare"],
    &["arrivato", "ricevuto", "consegnato", "arriva", "arrivata"],
    &["rotto", "danneggiato", "rotta", "danneggiata", "distrutto"],
    &["falso", "contraffatto", "tarocco", "imitazione", "replica"],
    &["truffa", "frode", "truffatore", "phishing", "fregatura"],
    &["annullare", "cancellare", "annullamento", "disdire"],
    &["account", "profilo"],
    &["password", "accedere", "accesso", "login"],
    &["hackerato", "violato", "rubato"],
    &["sospeso", "bloccato", "sospensione", "limitato"],
    &["dogana", "importazione", "dazi", "iva"],
    &["tracciamento", "tracking", "traccia"],
    &["venditore", "negozio"],
    &["persona", "operatore", "umano", "assistenza", "agente"],
];

const FR: &[&[&str]] = &[
    &["colis", "paquet", "envoi", "commande", "livraison"],
    &["remboursement", "rembourser", "remboursé", "rembourssement"],
    &["arrivé", "arrive", "reçu", "recu", "livré", "livre"],
    &["cassé", "casse", "endommagé", "abîmé", "abime"],
    &["faux", "contrefaçon", "contrefacon", "copie", "imitation"],
    &["arnaque", "fraude", "escroquerie", "arnaqueur", "phishing", "hameçonnage"],
    &["annuler", "annulation"],
    &["compte", "profil"],
    &["mot de passe", "connexion", "connecter", "login"],
    &["piraté", "pirate", "hacké"],
    &["suspendu", "bloqué", "bloque", "restreint"],
    &["douane", "importation", "droits", "tva"],
    &["suivi", "tracking", "suivre"],
    &["vendeur", "boutique"],
    &["humain", "conseiller", "agent", "personne", "support"],
];

const NL: &[&[&str]] = &[
    &["pakket", "pakje", "zending", "bestelling", "paket"],
    &["terugbetaling", "geld terug", "refund", "terugbetaald"],
    &["aangekomen", "ontvangen", "bezorgd", "geleverd"],
    &["kapot", "beschadigd", "gebroken", "stuk"],
    &["nep", "namaak", "vervalst", "replica"],
    &["oplichting", "fraude", "oplichter", "phishing", "scam"],
    &["annuleren", "annulering"],
    &["account", "profiel"],
    &["wachtwoord", "inloggen", "login"],
    &["gehackt", "overgenomen"],
    &["geschorst", "geblokkeerd", "opgeschort", "beperkt"],
    &["douane", "invoer", "invoerrechten", "btw"],
    &["volgen", "tracking", "track", "trace"],
    &["verkoper", "winkel"],
    &["medewerker", "mens", "persoon", "klantenservice", "support"],
];

const DE: &[&[&str]] = &[
    &["paket", "päckchen", "sendung", "bestellung", "lieferung"],
    &["rückerstattung", "erstattung", "geld zurück", "ruckerstattung", "rueckerstattung"],
    &["angekommen", "erhalten", "geliefert", "zugestellt"],
    &["kaputt", "beschädigt", "beschaedigt", "zerbrochen", "defekt"],
    &["fälschung", "gefälscht", "faelschung", "fake", "plagiat"],
    &["betrug", "betrüger", "betrueger", "phishing", "abzocke"],
    &["stornieren", "storno", "stornierung"],
    &["konto", "profil", "account"],
    &["passwort", "anmelden", "login", "einloggen"],
    &["gehackt", "übernommen"],
    &["gesperrt", "gesperrtes", "eingeschränkt", "sperre"],
    &["zoll", "einfuhr", "import", "zollgebühren", "mwst"],
    &["sendungsverfolgung", "tracking", "verfolgen", "sendungsnummer"],
    &["verkäufer", "verkaeufer", "händler", "shop"],
    &["mensch", "mitarbeiter", "person", "kundenservice", "support"],
];

const PT: &[&[&str]] = &[
    &["encomenda", "pacote", "envio", "pedido", "embalagem"],
    &["reembolso", "devolução do dinheiro", "rembolso", "reembouso"],
    &["chegou", "recebi", "recebido", "entregue", "chegar"],
    &["partido", "danificado", "quebrado", "estragado"],
    &["falso", "falsificado", "contrafação", "contrafacao", "réplica"],
    &["burla", "fraude", "golpe", "phishing", "burlão"],
    &["cancelar", "cancelamento", "anular"],
    &["conta", "perfil"],
    &["senha", "palavra-passe", "entrar", "login"],
    &["hackeada", "pirateada", "invadida"],
    &["suspensa", "bloqueada", "suspenso", "bloqueado"],
    &["alfândega", "alfandega", "importação", "impostos", "iva"],
    &["rastreio", "rastreamento", "tracking", "seguimento"],
    &["vendedor", "loja"],
    &["pessoa", "humano", "atendente", "operador", "suporte"],
];

const PL: &[&[&str]] = &[
    &["paczka", "przesyłka", "przesylka", "zamówienie", "zamowienie", "paczke"],
    &["zwrot pieniędzy", "refundacja", "refund", "zwrot środków", "zwort"],
    &["doszła", "doszla", "dotarła", "dotarla", "otrzymałem", "dostałem", "dostalem", "doręczona", "dojdzie", "dotrze"],
    &["uszkodzona", "uszkodzony", "zniszczony", "zbity", "pęknięty"],
    &["podróbka", "podrobka", "podrobiony", "fałszywy", "falszywy", "replika"],
    &["oszustwo", "oszust", "wyłudzenie", "phishing", "scam"],
    &["anulować", "anulowac", "anulowanie", "odwołać"],
    &["konto", "profil"],
    &["hasło", "haslo", "zalogować", "zalogowac", "logowanie"],
    &["zhakowane", "włamanie", "wlamanie", "przejęte"],
    &["zawieszone", "zablokowane", "zablokowali", "ograniczone"],
    &["cło", "clo", "import", "vat", "celne"],
    &["śledzenie", "sledzenie", "tracking", "numer przesyłki"],
    &["sprzedawca", "sprzedający", "sprzedajacy", "sklep"],
    &["człowiek", "konsultant", "pracownik", "obsługa", "agent"],
];

const ZH: &[&[&str]] = &[
    &["包裹", "快递", "订单", "货"],
    &["退款", "退钱", "返款"],
    &["收到", "到货", "送达", "签收"],
    &["损坏", "破损", "坏了", "碎了"],
    &["假货", "仿冒", "假冒", "山寨", "高仿"],
    &["诈骗", "骗子", "欺诈", "钓鱼", "被骗"],
    &["取消", "撤销"],
    &["账号", "账户", "帐号"],
    &["密码", "登录", "登陆"],
    &["被盗", "盗号", "被黑"],
    &["封号", "冻结", "封禁", "暂停"],
    &["海关", "关税", "进口", "清关"],
    &["物流", "追踪", "跟踪", "单号"],
    &["卖家", "商家", "店家"],
    &["人工", "客服", "真人"],
];

fn groups(lang: &str) -> &'static [&'static [&'static str]] {
    match lang {
        "en" => EN,
        "es" => ES,
        "it" => IT,
        "fr" => FR,
        "nl" => NL,
        "de" => DE,
        "pt" => PT,
        "pl" => PL,
        "zh" => ZH,
        _ => &[],
    }
}

/// The other words of every group `word` (lowercased, folded) belongs to.
pub fn synonyms(lang: &str, word: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let same = |w: &str| crate::analysis::folded_chars(w).eq(word.chars());
    for group in groups(lang) {
        if group.iter().any(|w| same(w)) {
            out.extend(group.iter().copied().filter(|w| !same(w)));
        }
    }
    out
}

/// Every word of `lang`'s groups (folded) with the index terms of its
/// [`synonyms`], sorted by word: analysed once, at build time, so that a
/// question's word finds its synonyms' terms with one lookup.
pub fn synonym_terms(lang: &str) -> Vec<(String, Vec<String>)> {
    let mut table: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for word in groups(lang).iter().flat_map(|group| group.iter()) {
        let word = crate::analysis::fold(word);
        if table.contains_key(&word) {
            continue;
        }
        let mut terms: Vec<String> = synonyms(lang, &word).into_iter().flat_map(|s| analyze(lang, s)).collect();
        terms.sort_unstable();
        terms.dedup();
        table.insert(word, terms);
    }
    table.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_brings_its_synonyms_terms() {
        let table = synonym_terms("it");
        let (_, terms) = table.iter().find(|(word, _)| word == "pacco").expect("pacco is in a group");
        assert!(terms.iter().any(|t| analyze("it", "spedizione").contains(t)));
        assert!(table.windows(2).all(|w| w[0].0 < w[1].0), "sorted, no repeats");
    }

    #[test]
    fn a_word_brings_its_group() {
        assert!(synonyms("it", "pacco").contains(&"spedizione"));
        assert!(synonyms("es", "envio").contains(&"paquete"));
        assert!(synonyms("en", "parcel").contains(&"package"));
        assert!(synonyms("en", "unrelated").is_empty());
    }
}
