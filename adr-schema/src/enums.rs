//! Token enumerations of the 2.0b schema. Where the XSD allows extension
//! tokens (`x-...`), the enum carries them in `Extension`.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::xml::{Leaf, Writer};

macro_rules! token_enum {
    (@common $name:ident { $($var:ident = $tok:literal),+ } $ext:tt) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$var => $tok,)+
                    #[allow(unreachable_patterns)]
                    _ => token_enum!(@ext_str self $ext),
                }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim() {
                    $($tok => Ok($name::$var),)+
                    other => token_enum!(@ext_parse $name other $ext),
                }
            }
        }
        impl Leaf for $name {
            fn parse(s: &str) -> Result<Self, String> {
                s.parse()
            }
            fn write(&self, w: &mut Writer) {
                w.text(self.as_str())
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
    (@ext_str $self:ident closed) => { unreachable!() };
    (@ext_str $self:ident open) => {
        match $self { Self::Extension(s) => s.as_str(), _ => unreachable!() }
    };
    (@ext_parse $name:ident $other:ident closed) => {{
        let _ = $other;
        Err(format!("not a valid {} value", stringify!($name)))
    }};
    (@ext_parse $name:ident $other:ident open) => {
        if $other.len() > 2 && $other.starts_with("x-") && $other.len() <= 128 {
            Ok($name::Extension($other.to_owned()))
        } else {
            Err(format!("not a valid {} value (nor an x- extension)", stringify!($name)))
        }
    };
    ($(#[$m:meta])* closed $name:ident { $($var:ident = $tok:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($var),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
        }
        token_enum!(@common $name { $($var = $tok),+ } closed);
    };
    ($(#[$m:meta])* open $name:ident { $($var:ident = $tok:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($var,)+
            /// An `x-` extension token.
            Extension(String),
        }
        impl $name {
            pub const KNOWN: &'static [$name] = &[$($name::$var),+];
        }
        token_enum!(@common $name { $($var = $tok),+ } open);
    };
}

token_enum!(
    /// `ei:eventStatus`.
    closed EventStatus {
        None = "none", Far = "far", Near = "near", Active = "active",
        Completed = "completed", Cancelled = "cancelled",
    }
);

token_enum!(
    /// `ei:signalType`.
    closed SignalType {
        Delta = "delta", Level = "level", Multiplier = "multiplier", Price = "price",
        PriceMultiplier = "priceMultiplier", PriceRelative = "priceRelative", Setpoint = "setpoint",
        LoadControlCapacity = "x-loadControlCapacity", LoadControlLevelOffset = "x-loadControlLevelOffset",
        LoadControlPercentOffset = "x-loadControlPercentOffset", LoadControlSetpoint = "x-loadControlSetpoint",
    }
);

token_enum!(
    /// `ei:signalName`.
    open SignalName {
        Simple = "SIMPLE", SimpleLower = "simple", ElectricityPrice = "ELECTRICITY_PRICE",
        EnergyPrice = "ENERGY_PRICE", DemandCharge = "DEMAND_CHARGE", BidPrice = "BID_PRICE",
        BidLoad = "BID_LOAD", BidEnergy = "BID_ENERGY", ChargeState = "CHARGE_STATE",
        LoadDispatch = "LOAD_DISPATCH", LoadControl = "LOAD_CONTROL",
    }
);

token_enum!(
    /// `ei:optType`.
    closed OptType { OptIn = "optIn", OptOut = "optOut" }
);

token_enum!(
    /// `ei:optReason`.
    open OptReason {
        Economic = "economic", Emergency = "emergency", MustRun = "mustRun",
        NotParticipating = "notParticipating", OutageRunStatus = "outageRunStatus",
        OverrideStatus = "overrideStatus", Participating = "participating", Schedule = "x-schedule",
    }
);

token_enum!(
    /// `ei:reportName`.
    open ReportName {
        MetadataHistoryUsage = "METADATA_HISTORY_USAGE", HistoryUsage = "HISTORY_USAGE",
        MetadataHistoryGreenbutton = "METADATA_HISTORY_GREENBUTTON", HistoryGreenbutton = "HISTORY_GREENBUTTON",
        MetadataTelemetryUsage = "METADATA_TELEMETRY_USAGE", TelemetryUsage = "TELEMETRY_USAGE",
        MetadataTelemetryStatus = "METADATA_TELEMETRY_STATUS", TelemetryStatus = "TELEMETRY_STATUS",
    }
);

token_enum!(
    /// `ei:reportType`.
    open ReportType {
        Reading = "reading", Usage = "usage", Demand = "demand", SetPoint = "setPoint",
        DeltaUsage = "deltaUsage", DeltaSetPoint = "deltaSetPoint", DeltaDemand = "deltaDemand",
        Baseline = "baseline", Deviation = "deviation", AvgUsage = "avgUsage", AvgDemand = "avgDemand",
        OperatingState = "operatingState", UpRegulationCapacityAvailable = "upRegulationCapacityAvailable",
        DownRegulationCapacityAvailable = "downRegulationCapacityAvailable",
        RegulationSetpoint = "regulationSetpoint", StoredEnergy = "storedEnergy",
        TargetEnergyStorage = "targetEnergyStorage", AvailableEnergyStorage = "availableEnergyStorage",
        Price = "price", Level = "level", PowerFactor = "powerFactor", PercentUsage = "percentUsage",
        PercentDemand = "percentDemand", ResourceStatus = "x-resourceStatus",
    }
);

token_enum!(
    /// `ei:readingType`.
    open ReadingType {
        DirectRead = "Direct Read", Net = "Net", Allocated = "Allocated", Estimated = "Estimated",
        Summed = "Summed", Derived = "Derived", Mean = "Mean", Peak = "Peak", Hybrid = "Hybrid",
        Contract = "Contract", Projected = "Projected", Rms = "x-RMS", NotApplicable = "x-notApplicable",
    }
);

token_enum!(
    /// `oadr:oadrResponseRequired`.
    closed ResponseRequired { Always = "always", Never = "never" }
);

token_enum!(
    /// `oadr:oadrProfileName`.
    closed ProfileName { V20a = "2.0a", V20b = "2.0b" }
);

token_enum!(
    /// `oadr:oadrTransportName`.
    closed TransportName { SimpleHttp = "simpleHttp", Xmpp = "xmpp" }
);

token_enum!(
    /// `oadr:oadrServiceName`.
    closed ServiceName {
        EiEvent = "EiEvent", EiOpt = "EiOpt", EiReport = "EiReport",
        EiRegisterParty = "EiRegisterParty", OadrPoll = "OadrPoll",
    }
);

token_enum!(
    /// `scale:siScaleCode`.
    closed SiScale {
        Pico = "p", Nano = "n", Micro = "micro", Milli = "m", Centi = "c", Deci = "d",
        Kilo = "k", Mega = "M", Giga = "G", Tera = "T", None = "none",
    }
);

impl SiScale {
    /// The power of ten this prefix stands for.
    pub fn exponent(self) -> i32 {
        match self {
            SiScale::Pico => -12,
            SiScale::Nano => -9,
            SiScale::Micro => -6,
            SiScale::Milli => -3,
            SiScale::Centi => -2,
            SiScale::Deci => -1,
            SiScale::None => 0,
            SiScale::Kilo => 3,
            SiScale::Mega => 6,
            SiScale::Giga => 9,
            SiScale::Tera => 12,
        }
    }
}

token_enum!(
    /// Units of `oadr:temperature`.
    closed TemperatureUnit { Celsius = "celsius", Fahrenheit = "fahrenheit" }
);

token_enum!(
    /// `itemDescription` of the currency item types.
    closed CurrencyDescription {
        Currency = "currency", CurrencyPerKw = "currencyPerKW", CurrencyPerKwh = "currencyPerKWh",
    }
);

token_enum!(
    /// `oadr:oadrDataQuality`.
    open DataQuality {
        NoValue = "No Quality - No Value", PreviousValueUsed = "No New Value - Previous Value Used",
        BadNonSpecific = "Quality Bad - Non Specific", BadConfigurationError = "Quality Bad - Configuration Error",
        BadNotConnected = "Quality Bad - Not Connected", BadDeviceFailure = "Quality Bad - Device Failure",
        BadSensorFailure = "Quality Bad - Sensor Failure", BadLastKnownValue = "Quality Bad - Last Known Value",
        BadCommFailure = "Quality Bad - Comm Failure", BadOutOfService = "Quality Bad - Out of Service",
        UncertainNonSpecific = "Quality Uncertain - Non Specific",
        UncertainLastUsableValue = "Quality Uncertain - Last Usable Value",
        UncertainSensorNotAccurate = "Quality Uncertain - Sensor Not Accurate",
        UncertainEuUnitsExceeded = "Quality Uncertain - EU Units Exceeded",
        UncertainSubNormal = "Quality Uncertain - Sub Normal", GoodNonSpecific = "Quality Good - Non Specific",
        GoodLocalOverride = "Quality Good - Local Override", LimitFieldNot = "Quality Limit - Field/Not",
        LimitFieldLow = "Quality Limit - Field/Low", LimitFieldHigh = "Quality Limit - Field/High",
        LimitFieldConstant = "Quality Limit - Field/Constant",
    }
);

/// `ei:responseCode`: three digits. 200 is OK; the 4xx codes are the spec's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResponseCode(pub u16);

impl ResponseCode {
    pub const OK: ResponseCode = ResponseCode(200);
    pub const OUT_OF_SEQUENCE: ResponseCode = ResponseCode(450);
    pub const NOT_ALLOWED: ResponseCode = ResponseCode(451);
    pub const INVALID_ID: ResponseCode = ResponseCode(452);
    pub const NOT_RECOGNIZED: ResponseCode = ResponseCode(453);
    pub const INVALID_DATA: ResponseCode = ResponseCode(454);
    pub const COMPLIANCE_ERROR: ResponseCode = ResponseCode(459);
    pub const SIGNAL_NOT_SUPPORTED: ResponseCode = ResponseCode(460);
    pub const REPORT_NOT_SUPPORTED: ResponseCode = ResponseCode(461);
    pub const TARGET_MISMATCH: ResponseCode = ResponseCode(462);
    pub const NOT_REGISTERED_OR_AUTHORIZED: ResponseCode = ResponseCode(463);
    pub const DEPLOYMENT_ERROR: ResponseCode = ResponseCode(469);

    pub fn is_ok(self) -> bool {
        (200..300).contains(&self.0)
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

impl Leaf for ResponseCode {
    fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err("a response code is three digits".into());
        }
        Ok(ResponseCode(s.parse().map_err(|_| "bad response code")?))
    }
    fn write(&self, w: &mut Writer) {
        use std::fmt::Write as _;
        let _ = write!(w.out, "{self}");
    }
}

impl Serialize for ResponseCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.0)
    }
}
