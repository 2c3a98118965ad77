//! Plausible orders for simulated customers: names, dishes and a mix of
//! pickup and delivery, drawn from a seeded generator so that the same seed
//! gives the same orders.

use orderboard_model::{Channel, NewItem, NewOrder};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Hedy",
    "Donald",
    "Annie",
    "John",
    "Joan",
    "Niklaus",
    "Sophie",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov",
    "Thompson", "Allen", "Dijkstra", "Perlman", "Lee", "Lamarr", "Knuth", "Easley", "Backus",
    "Clarke", "Wirth", "Wilson",
];
const DISHES: &[&str] = &[
    "Falafel wrap",
    "Halloumi bowl",
    "Chicken shawarma",
    "Lentil soup",
    "Mezze platter",
    "Hummus & pita",
    "Tabbouleh",
    "Lamb kofta",
    "Fattoush salad",
    "Sweet potato fries",
    "Baklava",
    "Mint tea",
    "Fresh lemonade",
    "Iced coffee",
    "Sparkling water",
];
const NOTES: &[&str] = &[
    "no onions",
    "extra sauce",
    "gluten free please",
    "ring the bell twice",
    "cutlery please",
];

/// A new order for a simulated customer: about 60% pickup, 40% delivery,
/// one to four dishes, sometimes a note, sometimes no name.
pub fn new_order(rng: &mut ChaCha8Rng) -> NewOrder {
    let channel = if rng.random_bool(0.6) {
        Channel::Pickup
    } else {
        Channel::Delivery
    };
    let customer = if rng.random_bool(0.9) {
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        Some(format!("{first} {last}"))
    } else {
        None
    };
    let lines = rng.random_range(1..=4usize);
    let mut items: Vec<NewItem> = Vec::with_capacity(lines);
    while items.len() < lines {
        let name = DISHES[rng.random_range(0..DISHES.len())];
        if items.iter().any(|i| i.name == name) {
            continue;
        }
        items.push(NewItem::plain(name, rng.random_range(1..=3)));
    }
    let note = if rng.random_bool(0.2) {
        Some(NOTES[rng.random_range(0..NOTES.len())].to_string())
    } else {
        None
    };
    NewOrder {
        customer,
        channel,
        items,
        note,
        external_ref: None,
        table: None,
        due_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn orders_are_valid_and_repeat_with_the_seed() {
        let mut a = ChaCha8Rng::seed_from_u64(7);
        let mut b = ChaCha8Rng::seed_from_u64(7);
        let mut channels = std::collections::HashSet::new();
        for _ in 0..200 {
            let o = new_order(&mut a);
            assert_eq!(o, new_order(&mut b));
            o.validate().unwrap();
            channels.insert(o.channel);
        }
        assert_eq!(channels.len(), 2, "both pickup and delivery");
    }
}
