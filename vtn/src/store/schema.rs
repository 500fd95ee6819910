// Hand-written to match migrations/ (diesel print-schema style).
diesel::table! {
    vens (ven_id) {
        ven_id -> Text,
        ven_name -> Nullable<Text>,
        registration_id -> Nullable<Text>,
        profile_name -> Text,
        transport_name -> Text,
        transport_address -> Nullable<Text>,
        http_pull_model -> Bool,
        report_only -> Bool,
        xml_signature -> Bool,
        groups_json -> Text,
        resources_json -> Text,
        party_id -> Nullable<Text>,
        cert_fingerprint -> Nullable<Text>,
        created_at -> BigInt,
        registered_at -> Nullable<BigInt>,
        last_contact -> Nullable<BigInt>,
    }
}

diesel::table! {
    events (event_id) {
        event_id -> Text,
        modification_number -> Integer,
        spec_json -> Text,
        status -> Text,
        cancelled -> Bool,
        created_at -> BigInt,
        modified_at -> BigInt,
        dtstart -> BigInt,
        end_at -> BigInt,
    }
}

diesel::table! {
    event_versions (event_id, modification_number) {
        event_id -> Text,
        modification_number -> Integer,
        spec_json -> Text,
        reason -> Nullable<Text>,
        modified_at -> BigInt,
    }
}

diesel::table! {
    event_responses (event_id, ven_id, modification_number) {
        event_id -> Text,
        ven_id -> Text,
        modification_number -> Integer,
        opt_type -> Text,
        response_code -> Integer,
        received_at -> BigInt,
    }
}

diesel::table! {
    opts (ven_id, opt_id) {
        ven_id -> Text,
        opt_id -> Text,
        opt_type -> Text,
        opt_reason -> Text,
        market_context -> Nullable<Text>,
        event_id -> Nullable<Text>,
        modification_number -> Nullable<Integer>,
        schedule_json -> Text,
        target_json -> Text,
        created_at -> BigInt,
        cancelled_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    report_registrations (ven_id, report_specifier_id) {
        ven_id -> Text,
        report_specifier_id -> Text,
        report_name -> Text,
        descriptions_json -> Text,
        registered_at -> BigInt,
    }
}

diesel::table! {
    report_requests (report_request_id) {
        report_request_id -> Text,
        ven_id -> Text,
        report_specifier_id -> Text,
        report_name -> Text,
        rids_json -> Text,
        granularity -> Text,
        report_back_duration -> Text,
        interval_start -> Nullable<BigInt>,
        interval_end -> Nullable<BigInt>,
        state -> Text,
        created_at -> BigInt,
        deadline -> Nullable<BigInt>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    readings (id) {
        id -> BigInt,
        ven_id -> Text,
        report_request_id -> Text,
        report_specifier_id -> Text,
        report_name -> Nullable<Text>,
        rid -> Text,
        dtstart -> BigInt,
        duration_secs -> Nullable<Double>,
        value -> Nullable<Double>,
        status_json -> Nullable<Text>,
        confidence -> Nullable<Integer>,
        accuracy -> Nullable<Double>,
        data_quality -> Nullable<Text>,
        received_at -> BigInt,
    }
}

diesel::table! {
    pending_messages (id) {
        id -> BigInt,
        ven_id -> Text,
        kind -> Text,
        body -> Text,
        created_at -> BigInt,
        generation -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    vens,
    events,
    event_versions,
    event_responses,
    opts,
    report_registrations,
    report_requests,
    readings,
    pending_messages,
);
