//! The API's OpenAPI description, generated from the handlers' annotations
//! and the model's types (utoipa), and served at `/api/openapi.json`, so that
//! clients, and the hostile-input tests, work from what the code really does.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Orderboard",
        description = "Live order status for restaurants: a REST API for staff, and SSE streams for every screen."
    ),
    paths(
        crate::routes::health::health,
        crate::routes::orders::list,
        crate::routes::orders::create,
        crate::routes::orders::get,
        crate::routes::orders::change_stage,
        crate::routes::orders::bump_item,
        crate::routes::settings::get,
        crate::routes::settings::put,
        crate::routes::menu::get,
        crate::routes::menu::put,
        crate::routes::order_history::history,
        crate::routes::order_history::export_csv,
        crate::routes::reports::prep_times,
        crate::routes::staff_events::stream,
        crate::routes::board::stream,
        crate::routes::track::get,
        crate::routes::track::stream,
        crate::routes::tracks::stream,
        crate::routes::track::longpoll,
        crate::routes::track::socket,
        crate::routes::workshop::counts,
        crate::routes::workshop::events,
        crate::routes::workshop::sse_db_poll,
        crate::routes::workshop::comparison,
        crate::routes::workshop::start_comparison,
        crate::routes::workshop::stop_comparison,
        crate::routes::workshop::drill,
        crate::routes::workshop::start_drill,
        crate::routes::demo::status,
        crate::routes::demo::set,
        openapi_json,
        crate::auth::routes::status,
        crate::auth::routes::sign_in,
        crate::auth::routes::sign_out,
        crate::auth::routes::desktop,
        crate::auth::routes::set_passphrase,
        crate::routes::keys::create,
        crate::routes::keys::list,
        crate::routes::keys::revoke,
        crate::routes::webhooks::create,
        crate::routes::webhooks::list,
        crate::routes::webhooks::delete,
        crate::routes::webhooks::deliveries,
        crate::routes::printers::create,
        crate::routes::printers::list,
        crate::routes::printers::delete,
        crate::routes::printers::test,
        crate::routes::printers::reprint,
    ),
    components(schemas(
        orderboard_model::OrderEvent,
        orderboard_model::SettingsEvent,
        orderboard_model::BoardSettingsEvent,
        orderboard_model::BoardEvent,
        orderboard_model::TrackEvent,
        orderboard_model::StaffSnapshot,
        orderboard_model::BoardSnapshot,
        orderboard_model::TrackSnapshot,
        orderboard_model::TracksEvent,
        orderboard_model::TracksSnapshot,
        orderboard_model::TrackQueue,
        orderboard_model::TracksQueue,
        orderboard_model::ErrorCode,
        orderboard_model::WorkshopSample,
        orderboard_model::TransportRates,
    ))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`
#[utoipa::path(get, path = "/api/openapi.json", tag = "health",
    responses((status = 200, description = "This description", content_type = "application/json")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
