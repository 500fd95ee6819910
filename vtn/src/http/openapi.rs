//! The OpenAPI 3 document of the admin API (served at `/api/v1/openapi.json`).

use serde_json::{json, Value};

fn op(summary: &str, params: Value, body: Option<&str>, ok: &str) -> Value {
    let mut o = json!({
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": params,
        "responses": {
            ok: {"description": "OK", "content": {"application/json": {}}},
            "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"}
        }
    });
    if let Some(schema) = body {
        o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    }
    o
}

fn p(name: &str, inp: &str, desc: &str) -> Value {
    json!({"name": name, "in": inp, "required": inp == "path", "description": desc, "schema": {"type": "string"}})
}

pub fn document() -> Value {
    let ven = p("ven", "path", "venID or oadrVenName");
    let id = p("id", "path", "eventID or reportRequestID");
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "VTN admin API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Operate the OpenADR 2.0b VTN: events, VENs, opts, reports and readings. Every path except openapi.json and health needs `Authorization: Bearer <token>`. Times are RFC 3339; durations are xs:duration (PT30M)."
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}, "code": {"type": "integer", "description": "the OpenADR response code this error maps to"}}},
                "Interval": {"type": "object", "required": ["duration", "value"], "properties": {"duration": {"type": "string"}, "value": {"type": "number"}}},
                "Target": {"type": "object", "properties": {
                    "ven_ids": {"type": "array", "items": {"type": "string"}}, "group_ids": {"type": "array", "items": {"type": "string"}},
                    "resource_ids": {"type": "array", "items": {"type": "string"}}, "party_ids": {"type": "array", "items": {"type": "string"}}}},
                "Signal": {"type": "object", "required": ["intervals"], "properties": {
                    "signal_name": {"type": "string", "default": "SIMPLE"}, "signal_type": {"type": "string", "default": "level"},
                    "signal_id": {"type": "string"}, "currency": {"type": "string"},
                    "intervals": {"type": "array", "items": {"$ref": "#/components/schemas/Interval"}},
                    "target": {"$ref": "#/components/schemas/Target"}}},
                "EventRequest": {"type": "object", "additionalProperties": false, "properties": {
                    "signal_name": {"type": "string"}, "signal_type": {"type": "string"},
                    "level": {"type": "number"}, "price": {"type": "number"}, "currency": {"type": "string"},
                    "intervals": {"type": "array", "items": {"$ref": "#/components/schemas/Interval"}},
                    "signals": {"type": "array", "items": {"$ref": "#/components/schemas/Signal"}},
                    "start": {"type": "string", "description": "now, RFC 3339, or +PT5M"},
                    "duration": {"type": "string"},
                    "vens": {"type": "array", "items": {"type": "string"}, "description": "VEN names or venIDs"},
                    "group_ids": {"type": "array", "items": {"type": "string"}},
                    "resource_ids": {"type": "array", "items": {"type": "string"}},
                    "party_ids": {"type": "array", "items": {"type": "string"}},
                    "all_vens": {"type": "boolean"},
                    "baseline": {"type": "object", "description": "eiEventBaseline from dtstart", "required": ["intervals"], "properties": {
                        "intervals": {"type": "array", "items": {"$ref": "#/components/schemas/Interval"}},
                        "name": {"type": "string"}, "resource_ids": {"type": "array", "items": {"type": "string"}}}},
                    "market_context": {"type": "string"}, "priority": {"type": "integer"}, "test_event": {"type": "boolean"},
                    "vtn_comment": {"type": "string"}, "response_required": {"type": "boolean"},
                    "ramp_up": {"type": "string"}, "recovery": {"type": "string"}, "notification": {"type": "string"},
                    "start_after": {"type": "string", "description": "randomization: tolerance/startafter"},
                    "reason": {"type": "string", "description": "modification reason"}}},
                "VenPatch": {"type": "object", "properties": {
                    "groups": {"type": "array", "items": {"type": "string"}}, "resources": {"type": "array", "items": {"type": "string"}},
                    "party_id": {"type": "string"}, "cert_fingerprint": {"type": "string"}}},
                "NewVen": {"type": "object", "required": ["ven_name"], "properties": {
                    "ven_name": {"type": "string"}, "ven_id": {"type": "string"},
                    "profile": {"type": "string", "enum": ["2.0a", "2.0b"], "description": "2.0a: provisioning registers the VEN; it pulls with oadrRequestEvent"},
                    "cert_fingerprint": {"type": "string", "description": "29-character OpenADR fingerprint (AA:BB:...); colons and case normalised"}}},
                "Policy": {"type": "object", "required": ["policy"], "properties": {
                    "policy": {"type": "string", "enum": ["open", "provisioned"]}}},
                "ReportAsk": {"type": "object", "required": ["report_specifier_id"], "properties": {
                    "report_specifier_id": {"type": "string"}, "rids": {"type": "array", "items": {"type": "string"}},
                    "granularity": {"type": "string"}, "report_back_duration": {"type": "string"},
                    "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"}}}
            }
        },
        "paths": {
            "/health": {"get": {"summary": "liveness (no token)", "responses": {"200": {"description": "OK"}}}},
            "/openapi.json": {"get": {"summary": "this document (no token)", "responses": {"200": {"description": "OK"}}}},
            "/vens": {
                "get": op("list VENs with their registration and last contact", json!([]), None, "200"),
                "post": op("pre-provision a VEN by name and (for TLS) its client certificate fingerprint", json!([]), Some("NewVen"), "201")
            },
            "/registration-policy": {
                "get": op("who may register over TLS (open | provisioned)", json!([]), None, "200"),
                "put": op("set the registration policy (not persisted)", json!([]), Some("Policy"), "200")
            },
            "/vens/{ven}": {
                "get": op("one VEN, its queue, offered reports and report requests", json!([ven]), None, "200"),
                "patch": op("set groups, resources, partyID (targeting) or a certificate fingerprint", json!([ven]), Some("VenPatch"), "200")
            },
            "/vens/{ven}/reregister": {"post": op("queue oadrRequestReregistration", json!([ven]), None, "202")},
            "/vens/{ven}/cancel-registration": {"post": op("queue oadrCancelPartyRegistration", json!([ven]), None, "202")},
            "/vens/{ven}/report-requests": {"post": op("queue oadrCreateReport (e.g. HISTORY_USAGE over a window)", json!([ven]), Some("ReportAsk"), "201")},
            "/events": {
                "get": op("list events with per-VEN opt status", json!([]), None, "200"),
                "post": op("create an event", json!([]), Some("EventRequest"), "201")
            },
            "/events/{id}": {
                "get": op("one event", json!([id]), None, "200"),
                "patch": op("modify an event (modificationNumber + 1)", json!([id]), Some("EventRequest"), "200"),
                "delete": op("cancel an event", json!([id]), None, "200")
            },
            "/events/{id}/cancel": {"post": op("cancel an event", json!([id]), None, "200")},
            "/events/{id}/versions": {"get": op("every modification of an event", json!([id]), None, "200")},
            "/opts": {"get": op("opts (EiOpt) received", json!([p("ven", "query", "venID or name")]), None, "200")},
            "/reports": {"get": op("offered reports and report requests", json!([p("ven", "query", "venID or name")]), None, "200")},
            "/report-requests/{id}": {"delete": op("queue oadrCancelReport", json!([id]), None, "202")},
            "/readings": {"get": op("stored readings", json!([
                p("ven", "query", "venID or name"), p("report_request_id", "query", ""), p("report_specifier_id", "query", ""),
                p("report_name", "query", "e.g. TELEMETRY_USAGE"), p("rid", "query", ""),
                p("from", "query", "RFC 3339 or now or +PT..."), p("to", "query", "exclusive"), p("limit", "query", "default 10000")
            ]), None, "200")},
            "/tick": {"post": op("run the timed work now", json!([]), None, "200")}
        }
    })
}
