//! The test command's own PostgreSQL cluster (scripts/with-postgres gives
//! its URL in ORDERBOARD_TEST_DATABASE_URL), and fresh databases in it.

/// The test cluster's admin URL, or `None` when the tests run without one.
pub fn admin_url() -> Option<String> {
    std::env::var("ORDERBOARD_TEST_DATABASE_URL").ok()
}

/// A fresh, empty database called `name` in the test cluster (dropped first
/// if a previous run left one); returns its URL.
pub async fn fresh_database(admin: &str, name: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    let base = admin.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
}
