//! Writing the marketplace store: `orders` only. The demo marketplace is
//! seeded once, with dates relative to the moment of seeding so that a
//! "shipped" order is still in transit and an "overdue" one still overdue
//! whenever a newcomer first signs in.

use super::*;

/// Bump the version when the seed data changes, so stores seed again.
const SEEDED_MARKER: &str = "seeded:marketplace:v4";

const DAY: i64 = 24 * 3600;
const HOUR: i64 = 3600;

/// The buyer-protection fee: 0.70 plus 5% of the item price, in minor units.
fn protection_fee(price: i64) -> i64 {
    70 + price * 5 / 100
}

/// How long after delivery the buyer can still report a problem.
pub const PROTECTION_AFTER_DELIVERY: i64 = 2 * DAY;

/// Records that `user_id` viewed `item_id`: moved to the front, at most [`RECENT_LIMIT`] kept.
pub fn record_view(store: &impl KeyValue, user_id: &str, item_id: &str, now: i64) -> Result<Vec<RecentView>, StoreError> {
    let mut views = recent_views(store, user_id)?;
    views.retain(|v| v.item_id != item_id);
    views.insert(0, RecentView { item_id: item_id.to_string(), viewed_at: now });
    views.truncate(RECENT_LIMIT);
    store.set_json(&recent_key(user_id), &views)?;
    Ok(views)
}

/// Seeds the demo marketplace once; `true` when it did so now.
///
/// Two first requests can seed at the same time (the page asks for orders
/// and recent items at once), and a reader must never see half of it: every
/// key is written once, whole, and a list only after the records it names.
/// A second seeder writes the same records again (its dates a moment later);
/// the marker goes last.
pub fn ensure_seeded(store: &impl KeyValue, now: i64) -> Result<bool, StoreError> {
    if store.get(SEEDED_MARKER)?.is_some() {
        return Ok(false);
    }
    let (records, lists) = seed(now)?;
    store.set_many(&records)?;
    store.set_many(&lists)?;
    store.set(SEEDED_MARKER, b"1")?;
    Ok(true)
}

type Entries = Vec<(String, Vec<u8>)>;

fn entry<T: Serialize>(key: String, value: &T) -> Result<(String, Vec<u8>), StoreError> {
    let bytes = serde_json::to_vec(value).map_err(|e| StoreError(format!("seed: cannot encode {key:?}: {e}")))?;
    Ok((key, bytes))
}

/// The demo marketplace as of `now`: its records (members, items, orders),
/// then the lists that name them (each user's orders, every order, recent views).
fn seed(now: i64) -> Result<(Entries, Entries), StoreError> {
    let members = members(now);
    let items = items();
    let mut records = Vec::new();
    for member in &members {
        records.push(entry(member_key(&member.id), member)?);
    }
    for item in &items {
        records.push(entry(item_key(&item.id), item)?);
    }
    let party = |id: &str| members.iter().find(|m| m.id == id).cloned();
    let mut order_lists: std::collections::BTreeMap<String, Vec<OrderSummary>> = Default::default();
    for spec in order_specs() {
        let item = items.iter().find(|i| i.id == spec.item_id).ok_or_else(|| StoreError(format!("seed: no item {}", spec.item_id)))?;
        let order = build_order(&spec, item, now);
        let summary = OrderSummary::of(&order, Some(item.title.clone()));
        for key in [orders_of_key(&order.buyer_id), orders_of_key(&order.seller_id), ALL_ORDERS_KEY.to_string()] {
            order_lists.entry(key).or_default().push(summary.clone());
        }
        let facts = OrderFacts { buyer: party(&order.buyer_id), seller: party(&order.seller_id), item: Some(item.clone()), order };
        records.push(entry(order_key(&facts.order.id), &facts)?);
    }
    let mut lists = Vec::new();
    for (key, orders) in order_lists {
        lists.push(entry(key, &orders)?);
    }
    for (user, views) in [
        ("u-anna", &[("itm-J7R2A", 2 * HOUR), ("itm-U4K8T", DAY), ("itm-Q8B5Z", 3 * DAY)][..]),
        ("u-marco", &[("itm-Z9F4E", 5 * HOUR), ("itm-J7R2A", 2 * DAY)][..]),
    ] {
        // Newest first, as `record_view` keeps them.
        let views: Vec<RecentView> = views.iter().map(|(item_id, ago)| RecentView { item_id: item_id.to_string(), viewed_at: now - ago }).collect();
        lists.push(entry(recent_key(user), &views)?);
    }
    Ok((records, lists))
}

fn members(now: i64) -> Vec<Member> {
    let member = |id: &str, name: &str, seller: bool, country: &str, years: i64| Member {
        id: id.into(),
        name: name.into(),
        seller,
        country: country.into(),
        member_since: now - years * 365 * DAY,
    };
    vec![
        member("u-anna", "Anna Bianchi", false, "IT", 3),
        member("u-marco", "Marco de Vries", false, "NL", 2),
        member("u-studio-rossi", "Studio Rossi", true, "IT", 6),
        member("u-casa-verde", "Casa Verde", true, "ES", 4),
    ]
}

fn items() -> Vec<Item> {
    let item = |id: &str, seller: &str, title: &str, description: &str, category: &str, condition: &str, price: i64, listed: bool| Item {
        id: id.into(),
        seller_id: seller.into(),
        title: title.into(),
        description: description.into(),
        category: category.into(),
        condition: condition.into(),
        price: Money::eur(price),
        image_urls: vec![
            format!("https://images.marketplace.example/{id}/1.jpg"),
            format!("https://images.marketplace.example/{id}/2.jpg"),
        ],
        listed,
    };
    const ROSSI: &str = "u-studio-rossi";
    const VERDE: &str = "u-casa-verde";
    vec![
        item("itm-4HV8C", ROSSI, "Ceramic table lamp", "Hand-thrown stoneware base, linen shade, 42 cm tall. EU plug.", "home/lighting", "new", 4500, false),
        item("itm-9KD2W", VERDE, "Linen cushion covers (set of 2)", "Stonewashed linen, 45x45 cm, hidden zip. Sage green.", "home/textiles", "new", 3200, false),
        item("itm-X7P3N", ROSSI, "Vintage espresso cups (set of 4)", "1970s porcelain cups with saucers; one saucer has a small chip.", "kitchen/tableware", "good", 2800, false),
        item("itm-L2M9Q", VERDE, "Oak serving board", "Solid oak, oiled, 50x20 cm, with a leather strap.", "kitchen/tools", "like_new", 3900, false),
        item("itm-H6T4R", ROSSI, "Terracotta planter", "Handmade in Impruneta, 30 cm wide, frost resistant.", "garden/pots", "new", 2400, false),
        item("itm-Q8B5Z", VERDE, "Wool throw blanket", "Merino wool, 130x170 cm, herringbone weave.", "home/textiles", "new", 8900, false),
        item("itm-D3S7K", ROSSI, "Hand-painted tile set", "Six majolica tiles, 20x20 cm, for a kitchen splashback.", "home/decor", "new", 6500, false),
        item("itm-V5C8J", ROSSI, "Brass candle holders (pair)", "Solid brass, 18 cm, lightly patinated.", "home/decor", "good", 3600, false),
        item("itm-N2G6Y", VERDE, "Rattan basket", "Hand-woven rattan, 40 cm, with handles.", "home/storage", "new", 2700, false),
        item("itm-Z9F4E", ROSSI, "Murano glass vase", "Blown glass, signed by the maker, 28 cm. Certificate included.", "home/decor", "like_new", 12000, false),
        item("itm-J7R2A", VERDE, "Walnut desk organiser", "Walnut with three compartments and a phone stand.", "office/desk", "new", 4200, true),
        item("itm-U4K8T", ROSSI, "Painted ceramic bowl", "Large serving bowl, 32 cm, lemon pattern, dishwasher safe.", "kitchen/tableware", "new", 5400, true),
    ]
}

/// One seeded order: who, what, which state, and how long ago it was placed.
struct OrderSpec {
    id: &'static str,
    buyer: &'static str,
    item_id: &'static str,
    state: OrderState,
    placed_ago: i64,
    /// For shipped orders: whether the carrier's estimate has already passed.
    overdue: bool,
}

fn order_specs() -> Vec<OrderSpec> {
    use OrderState::*;
    let spec = |id, buyer, item_id, state, placed_ago, overdue| OrderSpec { id, buyer, item_id, state, placed_ago, overdue };
    vec![
        spec("ord-7Q2K9", "u-anna", "itm-4HV8C", AwaitingPayment, 2 * HOUR, false),
        spec("ord-M3X8D", "u-anna", "itm-9KD2W", Paid, DAY, false),
        spec("ord-T5WQ2", "u-anna", "itm-X7P3N", Shipped, 3 * DAY, false),
        spec("ord-K8D5V", "u-anna", "itm-D3S7K", Shipped, 16 * DAY, true),
        spec("ord-B9R4L", "u-anna", "itm-L2M9Q", Delivered, 6 * DAY, false),
        spec("ord-C2N7F", "u-anna", "itm-H6T4R", Cancelled, 12 * DAY, false),
        spec("ord-R6J3P", "u-anna", "itm-Q8B5Z", Refunded, 30 * DAY, false),
        spec("ord-W4H6S", "u-marco", "itm-V5C8J", Delivered, 9 * DAY, false),
        spec("ord-P7Z3G", "u-marco", "itm-Z9F4E", Shipped, 2 * DAY, false),
        spec("ord-F5Y2M", "u-marco", "itm-N2G6Y", Paid, 5 * HOUR, false),
    ]
}

fn address(buyer: &str) -> Address {
    let address = |name: &str, line1: &str, postal_code: &str, city: &str, country: &str| Address {
        name: name.into(),
        line1: line1.into(),
        postal_code: postal_code.into(),
        city: city.into(),
        country: country.into(),
    };
    match buyer {
        "u-marco" => address("Marco de Vries", "Prinsengracht 263", "1016 GW", "Amsterdam", "NL"),
        _ => address("Anna Bianchi", "Via dei Serragli 12", "50124", "Firenze", "IT"),
    }
}

fn build_order(spec: &OrderSpec, item: &Item, now: i64) -> Order {
    use OrderState::*;
    let created_at = now - spec.placed_ago;
    let shipping = Money::eur(if item.seller_id == "u-casa-verde" { 895 } else { 690 });
    let fee = Fee { kind: "buyer_protection".into(), amount: Money::eur(protection_fee(item.price.amount)) };
    let total = Money::eur(item.price.amount + shipping.amount + fee.amount.amount);
    let paid_at = (spec.state != AwaitingPayment && spec.state != Cancelled).then_some(created_at + 10 * 60);
    let shipped_at = created_at + DAY;
    // An overdue parcel was due well before now; others arrive in a few days.
    let estimated = if spec.overdue { now - 6 * DAY } else { shipped_at + 4 * DAY };
    let delivered_at = matches!(spec.state, Delivered | Refunded).then_some(shipped_at + 2 * DAY);
    let shipment = matches!(spec.state, Shipped | Delivered | Refunded).then(|| Shipment {
        carrier: if item.seller_id == "u-casa-verde" { "SEUR" } else { "Poste Italiane" }.into(),
        tracking_number: format!("TRK{}IT", spec.id.trim_start_matches("ord-")),
        tracking_url: Some(format!("https://tracking.marketplace.example/{}", spec.id)),
        shipped_at,
        estimated_delivery_at: estimated,
        delivered_at,
    });
    let refunded_at = (spec.state == Refunded).then_some(shipped_at + 5 * DAY);
    let cancelled_at = (spec.state == Cancelled).then_some(created_at + 2 * DAY);
    let payment = Payment {
        status: match spec.state {
            AwaitingPayment => PaymentStatus::Pending,
            Paid | Shipped => PaymentStatus::Held,
            Delivered if delivered_at.is_some_and(|d| d + PROTECTION_AFTER_DELIVERY < now) => PaymentStatus::Released,
            Delivered => PaymentStatus::Held,
            Cancelled => PaymentStatus::Voided,
            Refunded => PaymentStatus::Refunded,
        },
        method: if spec.buyer == "u-marco" { "ideal" } else { "card" }.into(),
        paid_at,
    };
    let updated_at = [Some(created_at), paid_at, shipment.as_ref().map(|s| s.shipped_at), delivered_at, refunded_at, cancelled_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(created_at);
    Order {
        id: spec.id.into(),
        buyer_id: spec.buyer.into(),
        seller_id: item.seller_id.clone(),
        item_id: item.id.clone(),
        state: spec.state,
        created_at,
        updated_at,
        item_price: item.price.clone(),
        shipping,
        fees: vec![fee],
        total,
        payment,
        shipment,
        shipping_address: address(spec.buyer),
        buyer_protection_until: match spec.state {
            AwaitingPayment | Cancelled | Refunded => None,
            // Covered until two days after delivery; not delivered yet, it is still open.
            _ => Some(delivered_at.unwrap_or(estimated.max(now)) + PROTECTION_AFTER_DELIVERY),
        },
        cancelled_at,
        refunded_at,
        // The overdue parcel's buyer asked the seller four days ago and heard nothing.
        seller_messaged_at: spec.overdue.then_some(now - 4 * DAY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use key_value::{HookedStore, MemoryStore};

    const NOW: i64 = 1_795_428_000; // 2026-11-23T10:00:00Z

    fn user(id: &str, role: Role) -> User {
        User { id: id.into(), name: id.into(), email: format!("{id}@example.com"), roles: vec![role], lang: "en".into(), languages: vec![] }
    }

    fn seeded() -> MemoryStore {
        let store = MemoryStore::default();
        ensure_seeded(&store, NOW).unwrap();
        store
    }

    /// The whole order, if `caller` may see it.
    fn order_for(store: &MemoryStore, caller: &User, id: &str) -> Result<Option<Order>, StoreError> {
        Ok(order_facts(store, caller, id)?.map(|facts| facts.order))
    }

    #[test]
    fn seeding_is_deterministic_and_happens_once() {
        let a = seeded();
        let b = seeded();
        assert_eq!(a.keys(), b.keys());
        for key in a.keys() {
            assert_eq!(a.get(&key).unwrap(), b.get(&key).unwrap(), "{key}");
        }
        let before = a.keys();
        ensure_seeded(&a, NOW + DAY).unwrap();
        assert_eq!(a.keys(), before);
        assert_eq!(a.get("order:ord-7Q2K9").unwrap(), b.get("order:ord-7Q2K9").unwrap());
    }

    #[test]
    fn anna_has_every_state_and_an_overdue_delivery() {
        let store = seeded();
        let orders = orders_for(&store, &user("u-anna", Role::Buyer)).unwrap();
        for state in OrderState::ALL {
            assert!(orders.iter().any(|o| o.state == state), "{state:?}");
        }
        let anna = user("u-anna", Role::Buyer);
        for summary in &orders {
            let order = order_for(&store, &anna, &summary.id).unwrap().unwrap();
            assert!(order.buyer_id == "u-anna" && order.is_consistent(), "{}", order.id);
            assert_eq!(summary.delivery_overdue(NOW), order.delivery_overdue(NOW));
            assert!(summary.item_title.is_some());
        }
        assert!(orders.windows(2).all(|w| w[0].created_at >= w[1].created_at));
        let overdue: Vec<_> = orders.iter().filter(|o| o.delivery_overdue(NOW)).map(|o| o.id.as_str()).collect();
        assert_eq!(overdue, ["ord-K8D5V"]);
        let shipped = order_for(&store, &anna, "ord-T5WQ2").unwrap().unwrap();
        assert!(shipped.shipment.as_ref().is_some_and(|s| !s.carrier.is_empty() && !s.tracking_number.is_empty()));
        let standing = standing_for(&store, &anna, "ord-T5WQ2").unwrap().unwrap();
        assert_eq!(
            (standing.id.as_str(), standing.buyer_id.as_str(), standing.seller_id.as_str(), standing.state, standing.seller_messaged_at),
            (shipped.id.as_str(), shipped.buyer_id.as_str(), shipped.seller_id.as_str(), shipped.state, shipped.seller_messaged_at)
        );
        assert_eq!(standing.seller_first(NOW), shipped.seller_first(NOW));
    }

    #[test]
    fn only_parties_and_agents_see_an_order() {
        let store = seeded();
        let anna = user("u-anna", Role::Buyer);
        let marco = user("u-marco", Role::Buyer);
        let rossi = user("u-studio-rossi", Role::Seller);
        let agent = user("u-agent", Role::Agent);
        assert!(order_for(&store, &anna, "ord-7Q2K9").unwrap().is_some());
        assert!(order_for(&store, &marco, "ord-7Q2K9").unwrap().is_none());
        assert!(order_for(&store, &anna, "ord-W4H6S").unwrap().is_none());
        assert!(order_for(&store, &rossi, "ord-W4H6S").unwrap().is_some());
        assert!(order_for(&store, &rossi, "ord-M3X8D").unwrap().is_none(), "a Casa Verde order");
        assert!(order_for(&store, &agent, "ord-W4H6S").unwrap().is_some());
        assert!(order_for(&store, &anna, "../order:ord-7Q2K9").unwrap().is_none());
        for (who, id) in [(&anna, "ord-7Q2K9"), (&marco, "ord-7Q2K9"), (&rossi, "ord-M3X8D"), (&agent, "ord-W4H6S")] {
            assert_eq!(standing_for(&store, who, id).unwrap().is_some(), order_for(&store, who, id).unwrap().is_some(), "{} {id}", who.id);
        }
        assert_eq!(orders_for(&store, &agent).unwrap().len(), 10);
        let facts = order_facts(&store, &marco, "ord-W4H6S").unwrap().unwrap();
        assert_eq!(facts.seller.unwrap().name, "Studio Rossi");
        assert_eq!(facts.item.unwrap().id, "itm-V5C8J");
    }

    #[test]
    fn a_request_during_seeding_sees_each_list_whole_or_not_at_all() {
        let anna = user("u-anna", Role::Buyer);
        let (orders, views) = {
            let store = seeded();
            (orders_for(&store, &anna).unwrap().len(), recent_views(&store, "u-anna").unwrap().len())
        };
        // What a request running at that moment would see.
        let look = |store: &MemoryStore| {
            let listed = orders_for(store, &anna).unwrap();
            assert!(listed.is_empty() || listed.len() == orders, "{} of Anna's {orders} orders", listed.len());
            for summary in &listed {
                assert!(order_for(store, &anna, &summary.id).unwrap().is_some(), "{} is listed before it is written", summary.id);
            }
            let viewed = recent_views(store, "u-anna").unwrap().len();
            assert!(viewed == 0 || viewed == views, "{viewed} of Anna's {views} recent views");
        };
        let looks = std::cell::Cell::new(0);
        let inner = MemoryStore::default();
        let store = HookedStore {
            inner: &inner,
            before_write: |store: &MemoryStore, _: &str| {
                look(store);
                looks.set(looks.get() + 1);
                Ok(())
            },
        };
        assert!(ensure_seeded(&store, NOW).unwrap());
        look(&inner);
        assert!(looks.get() > 20, "looked {} times", looks.get());
        assert_eq!(inner.keys(), seeded().keys());
    }

    #[test]
    fn items_are_seen_by_parties_viewers_and_everyone_while_listed() {
        let store = seeded();
        let anna = user("u-anna", Role::Buyer);
        let marco = user("u-marco", Role::Buyer);
        assert!(item_for(&store, &anna, "itm-4HV8C").unwrap().is_some(), "bought");
        assert!(item_for(&store, &anna, "itm-J7R2A").unwrap().is_some(), "listed");
        assert!(item_for(&store, &anna, "itm-V5C8J").unwrap().is_none(), "Marco's");
        assert!(item_for(&store, &marco, "itm-Z9F4E").unwrap().is_some());
        let views = record_view(&store, "u-anna", "itm-U4K8T", NOW + 1).unwrap();
        assert_eq!(views[0].item_id, "itm-U4K8T");
        assert_eq!(views.iter().filter(|v| v.item_id == "itm-U4K8T").count(), 1);
        for i in 0..30 {
            record_view(&store, "u-anna", &format!("itm-{i}"), NOW + 2 + i).unwrap();
        }
        assert_eq!(recent_views(&store, "u-anna").unwrap().len(), RECENT_LIMIT);
    }
}
