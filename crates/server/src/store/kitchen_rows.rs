//! The kitchen's settings and menu, on either database: one JSON row each
//! (no row: the defaults, an empty menu).

use super::database::{on_conn, Conn};
use orderboard_model::{Menu, Settings};

/// The settings as they stand.
pub async fn load_settings(conn: Conn<'_>) -> Result<Settings, sqlx::Error> {
    let json: Option<String> = on_conn!(conn, c => {
        sqlx::query_scalar("SELECT json FROM kitchen_settings WHERE singleton = 1")
            .fetch_optional(c)
            .await?
    });
    decode(json, "kitchen_settings")
}

/// The statement that keeps the settings (`$1`: their JSON).
pub const SAVE_SETTINGS: &str = "INSERT INTO kitchen_settings (singleton, json) VALUES (1, $1)
     ON CONFLICT (singleton) DO UPDATE SET json = excluded.json";

/// The menu as it stands.
pub async fn load_menu(conn: Conn<'_>) -> Result<Menu, sqlx::Error> {
    let json: Option<String> = on_conn!(conn, c => {
        sqlx::query_scalar("SELECT json FROM menu WHERE singleton = 1")
            .fetch_optional(c)
            .await?
    });
    decode(json, "menu")
}

/// Replaces the menu.
pub async fn save_menu(conn: Conn<'_>, menu: &Menu) -> Result<(), sqlx::Error> {
    let json = serde_json::to_string(menu).expect("a menu serializes");
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO menu (singleton, json) VALUES (1, $1)
             ON CONFLICT (singleton) DO UPDATE SET json = excluded.json",
        )
        .bind(json)
        .execute(c)
        .await
        .map(drop)?
    });
    Ok(())
}

fn decode<T: serde::de::DeserializeOwned + Default>(
    json: Option<String>,
    table: &str,
) -> Result<T, sqlx::Error> {
    match json {
        None => Ok(T::default()),
        Some(j) => serde_json::from_str(&j).map_err(|e| {
            sqlx::Error::Decode(format!("unexpected {table} in the database: {e}").into())
        }),
    }
}
