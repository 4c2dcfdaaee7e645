//! Who of the team is online, in which languages: the `presence` store,
//! which `contact` writes, and `contact` and `cases` read.
//!
//! An agent's presence lasts [`TTL_SECS`] unless refreshed, so a closed tab
//! or a lost connection does not keep chat open: the agents' page sends
//! `PUT /api/agents/presence` about once a minute while the agent works.
//!
//! The online agents are one record, so `contact-options` reads one key.
//! Two agents changing presence at the same instant can lose one of the two
//! writes; the next refresh (a minute later) puts it back.

use api_conventions::{ApiResponse, ApiResult, LANGUAGES, Problem, parse_json};
use key_value::{KeyValue, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sessions::{Role, User};

/// The store of the team's presence.
pub const STORE: &str = "presence";

/// How long a presence lasts without a refresh: five minutes.
pub const TTL_SECS: i64 = 5 * 60;

const ONLINE_KEY: &str = "online";

/// An agent who is online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    pub agent_id: String,
    pub name: String,
    pub languages: Vec<String>,
    /// When the agent came online (kept across refreshes).
    pub since: i64,
    pub expires_at: i64,
}

impl Presence {
    pub fn speaks(&self, lang: &str) -> bool {
        self.languages.iter().any(|l| l == lang)
    }
}

/// The agents online at `now`.
pub fn online(store: &impl KeyValue, now: i64) -> Result<Vec<Presence>, StoreError> {
    let mut agents: Vec<Presence> = store.get_json(ONLINE_KEY)?.unwrap_or_default();
    agents.retain(|p| p.expires_at > now);
    Ok(agents)
}

/// The languages an agent says they speak: the ones given, else their
/// profile's; `400` naming `languages` for a code outside the nine or none at all.
pub fn languages(agent: &User, given: Option<Vec<String>>) -> Result<Vec<String>, Problem> {
    let asked = given.unwrap_or_else(|| agent.languages.clone());
    let mut languages: Vec<String> = Vec::new();
    for lang in asked {
        let code = lang.trim().to_ascii_lowercase();
        if !LANGUAGES.contains(&code.as_str()) {
            let shown: String = lang.chars().take(35).collect();
            return Err(Problem::invalid_field(
                "languages",
                format!(
                    "`{shown}` is not a language the help center supports: use {}.",
                    LANGUAGES.join(", ")
                ),
            ));
        }
        if !languages.contains(&code) {
            languages.push(code);
        }
    }
    if languages.is_empty() {
        return Err(Problem::invalid_field(
            "languages",
            "Say which languages you support, e.g. [\"en\", \"it\"].",
        ));
    }
    Ok(languages)
}

/// Sets `agent` online with `languages` (refreshing the expiry) or offline;
/// returns the agent's presence, `None` when offline.
pub fn set(
    store: &impl KeyValue,
    agent: &User,
    online_now: Option<Vec<String>>,
    now: i64,
) -> Result<Option<Presence>, StoreError> {
    let mut agents = online(store, now)?;
    let since = agents
        .iter()
        .find(|p| p.agent_id == agent.id)
        .map_or(now, |p| p.since);
    agents.retain(|p| p.agent_id != agent.id);
    let presence = online_now.map(|languages| Presence {
        agent_id: agent.id.clone(),
        name: agent.name.clone(),
        languages,
        since,
        expires_at: now + TTL_SECS,
    });
    agents.extend(presence.clone());
    store.set_json(ONLINE_KEY, &agents)?;
    Ok(presence)
}

/// `PUT /api/agents/presence`: `{"online": true, "languages": ["en", "it"]}`
/// (languages default to the agent's profile) or `{"online": false}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    pub online: bool,
    #[serde(default)]
    pub languages: Option<Vec<String>>,
}

/// Presence is the team's business: anyone else is told so (the route is
/// public, so a `403` reveals nothing a `404` would hide).
fn agents_only(caller: &User) -> Result<(), Problem> {
    if caller.has_role(Role::Agent) {
        Ok(())
    } else {
        Err(Problem::new(
            403,
            "Forbidden",
            "Only support agents set or see the team's presence.",
        ))
    }
}

#[derive(Serialize)]
struct Team<'a> {
    agents: &'a [Presence],
    /// The languages at least one online agent speaks.
    languages_online: Vec<&'static str>,
    ttl_seconds: i64,
}

pub fn list(store: &impl KeyValue, caller: &User, now: i64) -> ApiResult {
    agents_only(caller)?;
    let agents = online(store, now)?;
    let languages_online = LANGUAGES
        .into_iter()
        .filter(|l| agents.iter().any(|a| a.speaks(l)))
        .collect();
    let team = Team {
        agents: &agents,
        languages_online,
        ttl_seconds: TTL_SECS,
    };
    Ok(ApiResponse::json(200, &team).with_header("cache-control", "private, no-store"))
}

pub fn update(store: &impl KeyValue, caller: &User, body: &[u8], now: i64) -> ApiResult {
    agents_only(caller)?;
    let update: Update = parse_json(body)?;
    let languages = if update.online {
        Some(languages(caller, update.languages)?)
    } else {
        None
    };
    let body = match set(store, caller, languages, now)? {
        Some(presence) => json!({"online": true, "presence": presence, "ttl_seconds": TTL_SECS}),
        None => json!({"online": false}),
    };
    Ok(ApiResponse::json(200, &body).with_header("cache-control", "private, no-store"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use key_value::MemoryStore;

    fn agent(id: &str, languages: &[&str]) -> User {
        User {
            id: id.into(),
            name: id.into(),
            email: format!("{id}@example.com"),
            roles: vec![Role::Agent],
            lang: "en".into(),
            languages: languages.iter().map(|l| l.to_string()).collect(),
        }
    }

    fn langs(codes: &[&str]) -> Option<Vec<String>> {
        Some(codes.iter().map(|c| c.to_string()).collect())
    }

    #[test]
    fn an_agent_is_online_until_the_presence_expires_or_they_go_offline() {
        let store = MemoryStore::default();
        let (ada, bo) = (agent("u-ada", &["en"]), agent("u-bo", &["de"]));
        set(&store, &ada, langs(&["en", "it"]), 1000).unwrap();
        set(&store, &bo, langs(&["de"]), 1100).unwrap();
        assert_eq!(online(&store, 1000 + TTL_SECS - 1).unwrap().len(), 2);
        assert_eq!(
            online(&store, 1000 + TTL_SECS)
                .unwrap()
                .iter()
                .map(|p| p.agent_id.as_str())
                .collect::<Vec<_>>(),
            ["u-bo"]
        );
        set(&store, &bo, None, 1000 + TTL_SECS).unwrap();
        assert!(online(&store, 1000 + TTL_SECS).unwrap().is_empty());
    }

    #[test]
    fn a_refresh_extends_the_presence_and_keeps_when_it_began() {
        let store = MemoryStore::default();
        let ada = agent("u-ada", &["en"]);
        set(&store, &ada, langs(&["en"]), 1000).unwrap();
        let refreshed = set(&store, &ada, langs(&["en", "nl"]), 1200)
            .unwrap()
            .unwrap();
        assert_eq!(
            (refreshed.since, refreshed.expires_at),
            (1000, 1200 + TTL_SECS)
        );
        let agents = online(&store, 1200).unwrap();
        assert_eq!(agents.len(), 1);
        assert!(agents[0].speaks("nl"));
    }

    #[test]
    fn languages_default_to_the_profile_and_must_be_supported() {
        let ada = agent("u-ada", &["en", "it"]);
        assert_eq!(languages(&ada, None).unwrap(), ["en", "it"]);
        assert_eq!(
            languages(&ada, langs(&["DE", "de", "zh"])).unwrap(),
            ["de", "zh"]
        );
        assert_eq!(
            languages(&ada, langs(&["sv"])).unwrap_err().extensions["field"],
            "languages"
        );
        assert_eq!(languages(&ada, langs(&[])).unwrap_err().status, 400);
        assert_eq!(
            languages(&agent("u-new", &[]), None).unwrap_err().status,
            400
        );
    }

    #[test]
    fn only_agents_set_or_see_presence() {
        let store = MemoryStore::default();
        let mut buyer = agent("u-anna", &[]);
        buyer.roles = vec![Role::Buyer];
        assert_eq!(
            update(&store, &buyer, br#"{"online":true,"languages":["it"]}"#, 0)
                .unwrap_err()
                .status,
            403
        );
        assert_eq!(list(&store, &buyer, 0).unwrap_err().status, 403);
        assert!(store.keys().is_empty());

        let ada = agent("u-ada", &["en", "it"]);
        assert_eq!(
            update(&store, &ada, br#"{"online":true}"#, 0)
                .unwrap()
                .json_body()["presence"]["languages"],
            json!(["en", "it"])
        );
        let team = list(&store, &ada, 1).unwrap().json_body();
        assert_eq!(team["languages_online"], json!(["en", "it"]));
        assert_eq!(
            update(&store, &ada, br#"{"online":"yes"}"#, 2)
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            update(&store, &ada, br#"{"online":false}"#, 2)
                .unwrap()
                .json_body(),
            json!({"online": false})
        );
        assert_eq!(
            list(&store, &ada, 3).unwrap().json_body()["agents"],
            json!([])
        );
    }
}
