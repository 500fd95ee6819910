//! HTTP: the OpenADR simple-HTTP services and the JSON admin API.

pub mod admin;
pub mod oadr;
pub mod openapi;

use actix_web::web;

use crate::state::AppState;

/// Where the OpenADR services live.
pub const OADR_PREFIX: &str = "/OpenADR2/Simple/2.0b";
/// 2.0a's one service (EiEvent), as the 2.0a simple HTTP binding names it.
pub const OADR_20A_EIEVENT: &str = "/OpenADR2/Simple/EiEvent";

/// Register every route on an actix `App` (used by the server and by in-process tests).
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(state))
            .service(
                web::resource(format!("{OADR_PREFIX}/{{service}}"))
                    .route(web::post().to(oadr::service))
                    .route(web::to(oadr::method_not_allowed)),
            )
            .service(
                web::resource(OADR_20A_EIEVENT)
                    .route(web::post().to(oadr::service_20a))
                    .route(web::to(oadr::method_not_allowed)),
            )
            .route("/metrics", web::get().to(crate::metrics::metrics))
            .route("/healthz", web::get().to(crate::metrics::healthz))
            .route("/readyz", web::get().to(crate::metrics::readyz))
            .configure(admin::routes);
    }
}
