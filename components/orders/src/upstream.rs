//! Orders from the marketplace's own orders API, for operators with a real
//! marketplace (`orders_source = "upstream"`). The contract is small:
//!
//! - `GET {base}/v1/orders?party={user_id}` -> `200 {"orders": [Order]}`: the
//!   orders the user is buyer or seller of; `GET {base}/v1/orders` (agents) -> all;
//! - `GET {base}/v1/orders/{id}` -> `200 Order`, or `404`;
//! - `GET {base}/v1/items/{id}` -> `200 Item`, or `404`;
//!
//! with `Authorization: Bearer {orders_upstream_token}`. `Order` and `Item`
//! are the JSON of the `marketplace` crate's types (integer minor units,
//! ISO 4217 currencies, Unix-second times). Anything else (a transport error,
//! a timeout, another status, JSON that does not fit or amounts that do not
//! add up) is a `502` problem: the caller learns the upstream is at fault,
//! not that their order is gone.

use crate::source::Source;
use api_conventions::Problem;
use marketplace::{Item, Member, Order, OrderSummary, can_see_order, is_plausible_id};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sessions::{Role, User};

/// What a fetch brought back: a status and a body, or why there was none.
pub type Fetched = Result<(u16, Vec<u8>), String>;

pub struct Upstream<F: Fn(&str) -> Fetched> {
    /// `scheme://host[:port]`, no trailing slash.
    pub base: String,
    /// Performs `GET url` with the credentials and timeouts (see `lib.rs`).
    pub fetch: F,
}

#[derive(Deserialize)]
struct OrderList {
    orders: Vec<Order>,
}

fn bad_gateway(detail: String) -> Problem {
    Problem::new(502, "Bad Gateway", detail)
}

impl<F: Fn(&str) -> Fetched> Upstream<F> {
    /// `GET path`: `Ok(None)` on `404`, the parsed body on `200`, `502` otherwise.
    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, Problem> {
        let (status, body) = (self.fetch)(&format!("{}{path}", self.base))
            .map_err(|e| bad_gateway(format!("The marketplace's orders service could not be reached: {e}.")))?;
        match status {
            200 => serde_json::from_slice(&body)
                .map(Some)
                .map_err(|e| bad_gateway(format!("The marketplace's orders service answered something unreadable: {e}."))),
            404 => Ok(None),
            other => Err(bad_gateway(format!("The marketplace's orders service answered {other}; try again shortly."))),
        }
    }

    fn checked(order: Order) -> Result<Order, Problem> {
        if !order.is_consistent() || !is_plausible_id(&order.id) {
            return Err(bad_gateway(format!(
                "The marketplace's orders service sent order {:?} with amounts that do not add up or an invalid id.",
                order.id
            )));
        }
        Ok(order)
    }
}

impl<F: Fn(&str) -> Fetched> Source for Upstream<F> {
    fn orders(&self, caller: &User) -> Result<Vec<OrderSummary>, Problem> {
        let path = if caller.has_role(Role::Agent) { "/v1/orders".to_string() } else { format!("/v1/orders?party={}", caller.id) };
        let list: OrderList = self.get(&path)?.ok_or_else(|| bad_gateway("The orders service has no order list.".into()))?;
        let mut orders = Vec::with_capacity(list.orders.len());
        for order in list.orders {
            // The upstream is trusted for facts, not for access: filter again.
            let order = Self::checked(order)?;
            if can_see_order(caller, &order) {
                orders.push(OrderSummary::of(&order, None));
            }
        }
        Ok(orders)
    }

    fn order(&self, caller: &User, id: &str) -> Result<Option<Order>, Problem> {
        if !is_plausible_id(id) {
            return Ok(None);
        }
        match self.get::<Order>(&format!("/v1/orders/{id}"))? {
            Some(order) if order.id == id => Ok(Some(Self::checked(order)?).filter(|o| can_see_order(caller, o))),
            Some(order) => Err(bad_gateway(format!("Asked for order {id:?}, the orders service sent {:?}.", order.id))),
            None => Ok(None),
        }
    }

    fn item(&self, id: &str) -> Result<Option<Item>, Problem> {
        if !is_plausible_id(id) {
            return Ok(None);
        }
        match self.get::<Item>(&format!("/v1/items/{id}"))? {
            Some(item) if item.id == id && item.price.is_valid() && item.price.amount >= 0 => Ok(Some(item)),
            Some(_) => Err(bad_gateway(format!("The orders service sent a malformed item for {id:?}."))),
            None => Ok(None),
        }
    }

    /// The contract has no members; answers show ids only.
    fn member(&self, _id: &str) -> Result<Option<Member>, Problem> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use key_value::MemoryStore;
    use marketplace::Parties;
    use marketplace::writer::ensure_seeded;
    use serde_json::json;

    fn user(id: &str, role: Role) -> User {
        User { id: id.into(), name: id.into(), email: format!("{id}@example.com"), roles: vec![role], lang: "en".into(), languages: vec![] }
    }

    /// A fake upstream serving the seeded orders as the contract says.
    fn seeded_upstream() -> Upstream<impl Fn(&str) -> Fetched> {
        let store = MemoryStore::default();
        ensure_seeded(&store, 1_795_428_000).unwrap();
        let agent = user("u-agent", Role::Agent);
        let all: Vec<Order> = marketplace::orders_for(&store, &agent)
            .unwrap()
            .iter()
            .map(|o| marketplace::order_facts(&store, &agent, &o.id).unwrap().unwrap().order)
            .collect();
        let items: Vec<Item> = all.iter().filter_map(|o| marketplace::item(&store, &o.item_id).unwrap()).collect();
        Upstream {
            base: "http://up".into(),
            fetch: move |url: &str| {
                let path = url.strip_prefix("http://up").unwrap_or(url);
                let found = if let Some(party) = path.strip_prefix("/v1/orders?party=") {
                    Some(json!({"orders": all.iter().filter(|o| o.is_party(party)).collect::<Vec<_>>()}))
                } else if path == "/v1/orders" {
                    Some(json!({ "orders": all }))
                } else if let Some(id) = path.strip_prefix("/v1/orders/") {
                    all.iter().find(|o| o.id == id).map(|o| json!(o))
                } else if let Some(id) = path.strip_prefix("/v1/items/") {
                    items.iter().find(|i| i.id == id).map(|i| json!(i))
                } else {
                    None
                };
                Ok(match found {
                    Some(v) => (200, v.to_string().into_bytes()),
                    None => (404, b"{}".to_vec()),
                })
            },
        }
    }

    #[test]
    fn upstream_orders_map_into_the_same_types_and_rules() {
        let up = seeded_upstream();
        let anna = user("u-anna", Role::Buyer);
        assert_eq!(up.orders(&anna).unwrap().len(), 7);
        assert!(up.order(&anna, "ord-7Q2K9").unwrap().is_some());
        assert!(up.order(&anna, "ord-W4H6S").unwrap().is_none(), "Marco's order");
        assert!(up.order(&anna, "ord-NOPE1").unwrap().is_none());
        assert_eq!(up.orders(&user("u-agent", Role::Agent)).unwrap().len(), 10);
        assert_eq!(up.item("itm-4HV8C").unwrap().unwrap().price.amount, 4500);
    }

    #[test]
    fn failures_and_garbage_are_502() {
        let anna = user("u-anna", Role::Buyer);
        let down = Upstream { base: "http://up".into(), fetch: |_: &str| Err("connection refused".to_string()) };
        assert_eq!(down.orders(&anna).unwrap_err().status, 502);
        let broken = Upstream { base: "http://up".into(), fetch: |_: &str| Ok((500, b"oops".to_vec())) };
        assert_eq!(broken.order(&anna, "ord-7Q2K9").unwrap_err().status, 502);
        let garbage = Upstream { base: "http://up".into(), fetch: |_: &str| Ok((200, b"<html>".to_vec())) };
        assert_eq!(garbage.orders(&anna).unwrap_err().status, 502);
        let floats = Upstream {
            base: "http://up".into(),
            fetch: |_: &str| Ok((200, br#"{"id":"itm-1","seller_id":"s","title":"t","description":"d","category":"c","condition":"new","price":{"amount":12.5,"currency":"EUR"},"image_urls":[],"listed":true}"#.to_vec())),
        };
        assert_eq!(floats.item("itm-1").unwrap_err().status, 502, "money never floats");
    }
}
