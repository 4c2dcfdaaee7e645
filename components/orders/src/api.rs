//! The routes' logic: plain functions over a [`Source`], the `marketplace`
//! store (recent views) and the current time, tested natively.
//!
//! Every id the caller may not see answers the same `404` as an id that does
//! not exist, so ids cannot be probed.

use crate::query::{self, Position};
use crate::source::Source;
use api_conventions::{ApiResponse, ApiResult, Problem};
use key_value::KeyValue;
use marketplace::{Item, Order, OrderSummary, can_see_item};
use serde::Serialize;
use serde_json::json;
use sessions::{Role, User};

/// A list entry: the summary plus what follows from it now. Serialized
/// straight from the structs, as lists are the hot path.
#[derive(Serialize)]
struct ListEntry<'a> {
    #[serde(flatten)]
    order: &'a OrderSummary,
    delivery_overdue: bool,
    caller_role: &'static str,
}

#[derive(Serialize)]
struct ListBody<'a> {
    orders: Vec<ListEntry<'a>>,
    total: usize,
    limit: usize,
    next_cursor: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<usize>,
}

/// How the caller relates to an order they may see.
fn caller_role(buyer_id: &str, seller_id: &str, caller: &User) -> &'static str {
    if buyer_id == caller.id {
        "buyer"
    } else if seller_id == caller.id {
        "seller"
    } else {
        "agent"
    }
}

/// Personal data: never cached by a shared cache.
fn personal(status: u16, body: &impl Serialize) -> ApiResponse {
    ApiResponse::json(status, body).with_header("cache-control", "private, no-store")
}

/// An order's page: the stored facts plus what follows from them now.
#[derive(Serialize)]
struct OrderBody<'a> {
    #[serde(flatten)]
    order: &'a Order,
    delivery_overdue: bool,
    buyer_protection_active: bool,
    caller_role: &'static str,
    item: &'a Option<Item>,
    buyer: &'a Option<marketplace::Member>,
    seller: &'a Option<marketplace::Member>,
}

pub fn list_orders(source: &impl Source, caller: &User, raw_query: &str, now: i64) -> ApiResult {
    let query = query::parse(raw_query)?;
    let mut orders = source.orders(caller)?;
    if let Some(state) = query.state {
        orders.retain(|o| o.state == state);
    }
    marketplace::sort_newest_first(&mut orders);
    let start = match &query.position {
        Position::Start => 0,
        Position::After(id) => {
            orders.iter().position(|o| &o.id == id).map(|i| i + 1).ok_or_else(|| {
                Problem::invalid_field("cursor", "`cursor` does not match this list; start again without it.")
            })?
        }
        Position::Page(page) => (page - 1).saturating_mul(query.limit),
    };
    let end = start.saturating_add(query.limit).min(orders.len());
    let page = orders.get(start..end).unwrap_or_default();
    let body = ListBody {
        orders: page
            .iter()
            .map(|o| ListEntry {
                order: o,
                delivery_overdue: o.delivery_overdue(now),
                caller_role: caller_role(&o.buyer_id, &o.seller_id, caller),
            })
            .collect(),
        total: orders.len(),
        limit: query.limit,
        next_cursor: if end < orders.len() { page.last().map(|o| o.id.as_str()) } else { None },
        page: match query.position {
            Position::Page(page) => Some(page),
            _ => None,
        },
    };
    Ok(personal(200, &body))
}

pub fn get_order(source: &impl Source, caller: &User, id: &str, now: i64) -> ApiResult {
    let facts = source.order_facts(caller, id)?.ok_or_else(Problem::not_found)?;
    let order = &facts.order;
    Ok(personal(
        200,
        &OrderBody {
            order,
            delivery_overdue: order.delivery_overdue(now),
            buyer_protection_active: order.buyer_protection_until.is_some_and(|t| t > now),
            caller_role: caller_role(&order.buyer_id, &order.seller_id, caller),
            item: &facts.item,
            buyer: &facts.buyer,
            seller: &facts.seller,
        },
    ))
}

/// The item, if `caller` may see it (see `marketplace::can_see_item`).
fn visible_item(store: &impl KeyValue, source: &impl Source, caller: &User, id: &str) -> Result<Option<Item>, Problem> {
    let Some(item) = source.item(id)? else { return Ok(None) };
    if can_see_item(caller, &item, false) {
        return Ok(Some(item));
    }
    let viewed = marketplace::recent_views(store, &caller.id)?.iter().any(|v| v.item_id == id);
    let related = viewed || source.orders(caller)?.iter().any(|o| o.item_id == id);
    Ok(can_see_item(caller, &item, related).then_some(item))
}

pub fn get_item(store: &impl KeyValue, source: &impl Source, caller: &User, id: &str) -> ApiResult {
    let item = visible_item(store, source, caller, id)?.ok_or_else(Problem::not_found)?;
    let mut body = json!(item);
    body["seller"] = json!(source.member(&item.seller_id)?);
    Ok(personal(200, &body))
}

pub fn recent_items(store: &impl KeyValue, source: &impl Source, caller: &User) -> ApiResult {
    let mut items = Vec::new();
    for view in marketplace::recent_views(store, &caller.id)? {
        // An item the source no longer knows drops out of the list rather than failing it.
        if let Some(item) = source.item(&view.item_id)? {
            items.push(json!({ "viewed_at": view.viewed_at, "item": item }));
        }
    }
    Ok(personal(200, &json!({ "items": items })))
}

/// Records a view of an item the caller may see; agents browse on others'
/// behalf, so their views are not recorded.
pub fn record_view(store: &impl KeyValue, source: &impl Source, caller: &User, id: &str, now: i64) -> ApiResult {
    visible_item(store, source, caller, id)?.ok_or_else(Problem::not_found)?;
    if !caller.has_role(Role::Agent) {
        marketplace::writer::record_view(store, &caller.id, id, now)?;
    }
    Ok(ApiResponse::no_content())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Seeded;
    use key_value::MemoryStore;

    const NOW: i64 = 1_795_428_000;

    fn user(id: &str, role: Role) -> User {
        User { id: id.into(), name: id.into(), email: format!("{id}@example.com"), roles: vec![role], lang: "en".into(), languages: vec![] }
    }

    fn store() -> MemoryStore {
        let store = MemoryStore::default();
        marketplace::writer::ensure_seeded(&store, NOW).unwrap();
        store
    }

    fn ids(response: &ApiResponse) -> Vec<String> {
        response.json_body()["orders"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn lists_are_newest_first_filtered_and_paginated() {
        let store = store();
        let anna = user("u-anna", Role::Buyer);
        let all = list_orders(&Seeded { store: &store, now: NOW }, &anna, "", NOW).unwrap();
        assert_eq!(ids(&all)[0], "ord-7Q2K9");
        assert_eq!(all.json_body()["total"], 7);
        let shipped = list_orders(&Seeded { store: &store, now: NOW }, &anna, "state=shipped", NOW).unwrap();
        assert_eq!(ids(&shipped), ["ord-T5WQ2", "ord-K8D5V"]);
        assert_eq!(shipped.json_body()["orders"][1]["delivery_overdue"], true);

        let mut seen = Vec::new();
        let mut query = "limit=3".to_string();
        loop {
            let page = list_orders(&Seeded { store: &store, now: NOW }, &anna, &query, NOW).unwrap();
            seen.extend(ids(&page));
            match page.json_body()["next_cursor"].as_str() {
                Some(cursor) => query = format!("limit=3&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, ids(&all));
        let page3 = list_orders(&Seeded { store: &store, now: NOW }, &anna, "limit=3&page=3", NOW).unwrap();
        assert_eq!(ids(&page3), &ids(&all)[6..]);
        assert_eq!(list_orders(&Seeded { store: &store, now: NOW }, &anna, "cursor=ord-W4H6S", NOW).unwrap_err().extensions["field"], "cursor");
    }

    #[test]
    fn sellers_see_their_sales_and_agents_everything() {
        let store = store();
        let rossi = list_orders(&Seeded { store: &store, now: NOW }, &user("u-studio-rossi", Role::Seller), "limit=100", NOW).unwrap();
        let body = rossi.json_body();
        assert!(body["orders"].as_array().unwrap().iter().all(|o| o["seller_id"] == "u-studio-rossi" && o["caller_role"] == "seller"));
        assert!(ids(&rossi).contains(&"ord-W4H6S".to_string()) && ids(&rossi).contains(&"ord-7Q2K9".to_string()));
        assert_eq!(list_orders(&Seeded { store: &store, now: NOW }, &user("u-agent", Role::Agent), "", NOW).unwrap().json_body()["total"], 10);
    }

    #[test]
    fn others_orders_and_items_are_404() {
        let store = store();
        let anna = user("u-anna", Role::Buyer);
        let detail = get_order(&Seeded { store: &store, now: NOW }, &anna, "ord-T5WQ2", NOW).unwrap().json_body();
        assert_eq!(detail["item"]["title"], "Vintage espresso cups (set of 4)");
        assert_eq!(detail["seller"]["name"], "Studio Rossi");
        for id in ["ord-W4H6S", "ord-NOPE0", "..", "ord-7Q2K9%2F", "ордер"] {
            assert_eq!(get_order(&Seeded { store: &store, now: NOW }, &anna, id, NOW).unwrap_err(), Problem::not_found(), "{id}");
        }
        assert_eq!(get_item(&store, &Seeded { store: &store, now: NOW }, &anna, "itm-V5C8J").unwrap_err().status, 404);
        assert_eq!(record_view(&store, &Seeded { store: &store, now: NOW }, &anna, "itm-V5C8J", NOW).unwrap_err().status, 404);
        assert_eq!(get_item(&store, &Seeded { store: &store, now: NOW }, &user("u-agent", Role::Agent), "itm-V5C8J").unwrap().status, 200);
    }

    #[test]
    fn order_lookups_seed_an_empty_store_on_first_use() {
        let store = MemoryStore::default();
        let anna = user("u-anna", Role::Buyer);
        assert_eq!(ids(&list_orders(&Seeded { store: &store, now: NOW }, &anna, "", NOW).unwrap()).len(), 7);
        let store = MemoryStore::default();
        assert_eq!(get_order(&Seeded { store: &store, now: NOW }, &anna, "ord-7Q2K9", NOW).unwrap().status, 200);
    }

    #[test]
    fn views_are_recorded_newest_first() {
        let store = store();
        let marco = user("u-marco", Role::Buyer);
        assert_eq!(record_view(&store, &Seeded { store: &store, now: NOW }, &marco, "itm-U4K8T", NOW).unwrap().status, 204);
        let recent = recent_items(&store, &Seeded { store: &store, now: NOW }, &marco).unwrap().json_body();
        assert_eq!(recent["items"][0]["item"]["id"], "itm-U4K8T");
        assert_eq!(recent["items"][0]["viewed_at"], NOW);
    }
}
