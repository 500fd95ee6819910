//! The operators' JSON API under `/api/v1/` (bearer token; OpenAPI at
//! `/api/v1/openapi.json`, which needs no token). Bodies are the typed
//! contract in [`crate::api`]. Authentication is one middleware on the
//! scope, run before any body is read: a stranger gets 401 and learns
//! nothing of the schema.

mod events;
mod reports;
mod vens;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, HttpResponse, ResponseError};

use crate::api;
use crate::error::{Result, VtnError};
use crate::state::AppState;
use crate::store::{self, Conn, VenRow};

pub use events::parse_start;

impl ResponseError for VtnError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.http_status()
    }
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.http_status()).json(api::ApiErrorBody {
            error: self.peer_text(),
            code: self.response_code().0,
        })
    }
}

/// Defines the authenticated routes once: registered on the scope, and
/// listed in [`ROUTES`] so a test can hold the OpenAPI document to them.
macro_rules! routes {
    ($($method:ident $path:literal => $handler:path;)+) => {
        /// Every authenticated route: (method, path).
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),+];

        fn authenticated() -> actix_web::Scope<
            impl actix_web::dev::ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<BoxBody>,
                Error = actix_web::Error,
                InitError = (),
            >,
        > {
            web::scope("")
                .wrap(from_fn(require_token))
                $(.route($path, web::$method().to($handler)))+
        }
    };
}

routes! {
    get "/vens" => vens::list;
    post "/vens" => vens::add;
    get "/registration-policy" => vens::get_policy;
    put "/registration-policy" => vens::put_policy;
    get "/vens/{ven}" => vens::get;
    patch "/vens/{ven}" => vens::patch;
    post "/vens/{ven}/reregister" => vens::reregister;
    post "/vens/{ven}/cancel-registration" => vens::cancel_registration;
    post "/vens/{ven}/report-requests" => vens::request_report;
    get "/events" => events::list;
    post "/events" => events::create;
    get "/events/{id}" => events::get;
    patch "/events/{id}" => events::modify;
    delete "/events/{id}" => events::cancel;
    post "/events/{id}/cancel" => events::cancel;
    get "/events/{id}/versions" => events::versions;
    get "/opts" => reports::list_opts;
    get "/reports" => reports::list_reports;
    delete "/report-requests/{id}" => reports::cancel_report_request;
    get "/readings" => reports::readings;
    post "/tick" => reports::tick;
}

/// Routes that need no token.
pub const OPEN_ROUTES: &[(&str, &str)] = &[("get", "/openapi.json"), ("get", "/health")];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(1024 * 1024)
            .error_handler(|e, _| VtnError::data(format!("invalid JSON: {e}")).into()),
    )
    .app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| VtnError::data(format!("invalid query: {e}")).into()),
    )
    .service(
        web::scope("/api/v1")
            .route("/openapi.json", web::get().to(openapi))
            .route("/health", web::get().to(health))
            .service(authenticated()),
    );
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u8 | ((a.len() ^ b.len()) >> 8) as u8;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0xff);
        diff |= x ^ y;
    }
    diff == 0 && a.len() == b.len()
}

/// The bearer token, checked before the handler (and so before its body
/// extractor) runs.
async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> std::result::Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let ok = req.app_data::<web::Data<AppState>>().is_some_and(|st| {
        let given = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or("");
        ct_eq(given.as_bytes(), st.settings.admin_token.as_bytes())
    });
    if !ok {
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(
            req,
            VtnError::Unauthorized.error_response(),
        ));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(super::openapi::document())
}

async fn health(st: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(api::Health {
        status: "ok".into(),
        vtn_id: st.settings.vtn_id.to_string(),
        vens: st.registry.len(),
    })
}

/// A VEN named by venID or oadrVenName.
fn find_ven(c: &mut Conn, key: &str) -> Result<VenRow> {
    store::find_ven_any(c, key)?.ok_or_else(|| VtnError::not_found(format!("VEN {key}")))
}

/// An id read back from our own row: it was checked when it was stored, so
/// one that no longer reads is a corrupt row (500), not the operator's error.
fn id<T: std::str::FromStr<Err = adr_schema::Error>>(what: &str, s: &str) -> Result<T> {
    s.parse()
        .map_err(|e: adr_schema::Error| VtnError::Core(vtn_core::Error::corrupt(what, e)))
}

fn ts(ms: i64) -> Option<adr_schema::Timestamp> {
    Some(crate::clock::from_ms(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OpenAPI document and the router agree: every routed path is
    /// documented with its method, and nothing documented is missing.
    #[test]
    fn every_route_is_in_the_openapi_document_and_back() {
        let doc = super::super::openapi::document();
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = Vec::new();
        for (path, ops) in paths {
            for method in ops.as_object().unwrap().keys() {
                documented.push((method.as_str(), path.as_str()));
            }
        }
        let mut routed: Vec<(&str, &str)> = ROUTES.iter().chain(OPEN_ROUTES).copied().collect();
        routed.sort();
        documented.sort();
        assert_eq!(routed, documented);
    }
}
