//! The EMIX `itemBase` substitution group: units of a signal or report data point.

use serde::Serialize;

use crate::enums::{CurrencyDescription, SiScale, TemperatureUnit};
use crate::error::{ErrorKind, Result};
use crate::ns::Ns;
use crate::xml::{need, once, Element, Reader, Writer};

/// One member of `emix:itemBase`, keyed by its element name.
///
/// `itemDescription` and `itemUnits` are kept as written: the XSD fixes them
/// per kind (RealPower / W), and the constructors below write those values.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum ItemBase {
    PowerReal(PowerItem),
    PowerReactive(PowerItem),
    PowerApparent(PowerItem),
    EnergyReal(UnitItem),
    EnergyReactive(UnitItem),
    EnergyApparent(UnitItem),
    Voltage(UnitItem),
    Current(UnitItem),
    Frequency(UnitItem),
    Therm(UnitItem),
    Currency(CurrencyItem),
    CurrencyPerKwh(CurrencyItem),
    CurrencyPerKw(CurrencyItem),
    CurrencyPerThm(CurrencyItem),
    Temperature(TemperatureItem),
    PulseCount(PulseCountItem),
    /// `oadr:customUnit`.
    Custom(UnitItem),
}

/// itemDescription, itemUnits, siScaleCode.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitItem {
    pub description: String,
    pub units: String,
    pub scale: SiScale,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerItem {
    pub description: String,
    pub units: String,
    pub scale: SiScale,
    pub attributes: PowerAttributes,
}

/// `power:powerAttributes`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerAttributes {
    pub hertz: f64,
    pub voltage: f64,
    pub ac: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurrencyItem {
    pub description: CurrencyDescription,
    /// ISO 4217 alpha code, e.g. `USD`.
    pub units: String,
    pub scale: SiScale,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TemperatureItem {
    pub units: TemperatureUnit,
    pub scale: SiScale,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PulseCountItem {
    pub factor: f64,
}

impl ItemBase {
    pub fn power_real_watts(scale: SiScale) -> Self {
        ItemBase::PowerReal(PowerItem {
            description: "RealPower".into(),
            units: "W".into(),
            scale,
            attributes: PowerAttributes {
                hertz: 60.0,
                voltage: 120.0,
                ac: true,
            },
        })
    }

    pub fn energy_real_wh(scale: SiScale) -> Self {
        ItemBase::EnergyReal(UnitItem {
            description: "RealEnergy".into(),
            units: "Wh".into(),
            scale,
        })
    }

    /// The element's qualified name as we write it.
    pub fn tag(&self) -> &'static str {
        match self {
            ItemBase::PowerReal(_) => "power:powerReal",
            ItemBase::PowerReactive(_) => "power:powerReactive",
            ItemBase::PowerApparent(_) => "power:powerApparent",
            ItemBase::EnergyReal(_) => "power:energyReal",
            ItemBase::EnergyReactive(_) => "power:energyReactive",
            ItemBase::EnergyApparent(_) => "power:energyApparent",
            ItemBase::Voltage(_) => "power:voltage",
            ItemBase::Current(_) => "oadr:current",
            ItemBase::Frequency(_) => "oadr:frequency",
            ItemBase::Therm(_) => "oadr:Therm",
            ItemBase::Currency(_) => "oadr:currency",
            ItemBase::CurrencyPerKwh(_) => "oadr:currencyPerKWh",
            ItemBase::CurrencyPerKw(_) => "oadr:currencyPerKW",
            ItemBase::CurrencyPerThm(_) => "oadr:currencyPerThm",
            ItemBase::Temperature(_) => "oadr:temperature",
            ItemBase::PulseCount(_) => "oadr:pulseCount",
            ItemBase::Custom(_) => "oadr:customUnit",
        }
    }

    /// Read the member whose element was just entered; `None` if the name is
    /// not an itemBase member we know.
    pub(crate) fn read_member(r: &mut Reader<'_>, ns: Ns, local: &str) -> Result<Option<ItemBase>> {
        Ok(Some(match (ns, local) {
            (Ns::Power, "powerReal") => ItemBase::PowerReal(read_power(r)?),
            (Ns::Power, "powerReactive") => ItemBase::PowerReactive(read_power(r)?),
            (Ns::Power, "powerApparent") => ItemBase::PowerApparent(read_power(r)?),
            (Ns::Power, "energyReal") => ItemBase::EnergyReal(UnitItem::read(r)?),
            (Ns::Power, "energyReactive") => ItemBase::EnergyReactive(UnitItem::read(r)?),
            (Ns::Power, "energyApparent") => ItemBase::EnergyApparent(UnitItem::read(r)?),
            (Ns::Power, "voltage") => ItemBase::Voltage(UnitItem::read(r)?),
            (Ns::Oadr, "current") => ItemBase::Current(UnitItem::read(r)?),
            (Ns::Oadr, "frequency") => ItemBase::Frequency(UnitItem::read(r)?),
            (Ns::Oadr, "Therm") => ItemBase::Therm(UnitItem::read(r)?),
            (Ns::Oadr, "customUnit") => ItemBase::Custom(UnitItem::read(r)?),
            (Ns::Oadr, "currency") => ItemBase::Currency(read_currency(r)?),
            (Ns::Oadr, "currencyPerKWh") => ItemBase::CurrencyPerKwh(read_currency(r)?),
            (Ns::Oadr, "currencyPerKW") => ItemBase::CurrencyPerKw(read_currency(r)?),
            (Ns::Oadr, "currencyPerThm") => ItemBase::CurrencyPerThm(read_currency(r)?),
            (Ns::Oadr, "temperature") => ItemBase::Temperature(read_temperature(r)?),
            (Ns::Oadr, "pulseCount") => ItemBase::PulseCount(read_pulse(r)?),
            _ => return Ok(None),
        }))
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        let tag = self.tag();
        w.open(tag);
        match self {
            ItemBase::PowerReal(p) | ItemBase::PowerReactive(p) | ItemBase::PowerApparent(p) => {
                w.leaf("power:itemDescription", &p.description);
                w.leaf("power:itemUnits", &p.units);
                w.leaf("scale:siScaleCode", &p.scale);
                w.open("power:powerAttributes");
                w.leaf("power:hertz", &p.attributes.hertz);
                w.leaf("power:voltage", &p.attributes.voltage);
                w.leaf("power:ac", &p.attributes.ac);
                w.close("power:powerAttributes");
            }
            ItemBase::EnergyReal(u)
            | ItemBase::EnergyReactive(u)
            | ItemBase::EnergyApparent(u)
            | ItemBase::Voltage(u) => write_units(w, "power", u),
            ItemBase::Current(u)
            | ItemBase::Frequency(u)
            | ItemBase::Therm(u)
            | ItemBase::Custom(u) => write_units(w, "oadr", u),
            ItemBase::Currency(c)
            | ItemBase::CurrencyPerKwh(c)
            | ItemBase::CurrencyPerKw(c)
            | ItemBase::CurrencyPerThm(c) => {
                w.leaf("oadr:itemDescription", &c.description);
                w.leaf("oadr:itemUnits", &c.units);
                w.leaf("scale:siScaleCode", &c.scale);
            }
            ItemBase::Temperature(t) => {
                w.leaf_str("oadr:itemDescription", "temperature");
                w.leaf("oadr:itemUnits", &t.units);
                w.leaf("scale:siScaleCode", &t.scale);
            }
            ItemBase::PulseCount(p) => {
                w.leaf_str("oadr:itemDescription", "pulse count");
                w.leaf_str("oadr:itemUnits", "count");
                w.leaf("oadr:pulseFactor", &p.factor);
            }
        }
        w.close(tag);
    }
}

fn write_units(w: &mut Writer, prefix: &str, u: &UnitItem) {
    // itemDescription/itemUnits are local elements in the namespace of the
    // type that declares them (power: for EMIX power types, oadr: for ours).
    let (d, un) = if prefix == "power" {
        ("power:itemDescription", "power:itemUnits")
    } else {
        ("oadr:itemDescription", "oadr:itemUnits")
    };
    w.leaf(d, &u.description);
    w.leaf(un, &u.units);
    w.leaf("scale:siScaleCode", &u.scale);
}

/// Local elements (itemDescription, itemUnits, ...) are matched by local name
/// only: the XSDs are `elementFormDefault="qualified"`, but peers differ, and
/// the names cannot be confused inside an itemBase.
impl Element for UnitItem {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut d, mut u, mut s) = (None, None, None);
        while let Some(c) = r.next_child()? {
            match c.local() {
                "itemDescription" => once!(r, d, "itemDescription", r.leaf()?),
                "itemUnits" => once!(r, u, "itemUnits", r.leaf()?),
                "siScaleCode" if c.ns == Ns::Scale => once!(r, s, "siScaleCode", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(UnitItem {
            description: need!(r, d, "itemDescription"),
            units: need!(r, u, "itemUnits"),
            scale: need!(r, s, "siScaleCode"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open(tag);
        write_units(w, "oadr", self);
        w.close(tag);
    }
}

fn read_power(r: &mut Reader<'_>) -> Result<PowerItem> {
    let (mut d, mut u, mut s, mut a) = (None, None, None, None);
    while let Some(c) = r.next_child()? {
        match c.local() {
            "itemDescription" => once!(r, d, "itemDescription", r.leaf()?),
            "itemUnits" => once!(r, u, "itemUnits", r.leaf()?),
            "siScaleCode" if c.ns == Ns::Scale => once!(r, s, "siScaleCode", r.leaf()?),
            "powerAttributes" if c.ns == Ns::Power => {
                let (mut hz, mut v, mut ac) = (None, None, None);
                while let Some(c) = r.next_child()? {
                    match c.local() {
                        "hertz" => once!(r, hz, "hertz", r.leaf()?),
                        "voltage" => once!(r, v, "voltage", r.leaf()?),
                        "ac" => once!(r, ac, "ac", r.leaf()?),
                        _ => return Err(r.unexpected(&c)),
                    }
                }
                let attrs = PowerAttributes {
                    hertz: need!(r, hz, "hertz"),
                    voltage: need!(r, v, "voltage"),
                    ac: need!(r, ac, "ac"),
                };
                once!(r, a, "powerAttributes", attrs)
            }
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok(PowerItem {
        description: need!(r, d, "itemDescription"),
        units: need!(r, u, "itemUnits"),
        scale: need!(r, s, "siScaleCode"),
        attributes: need!(r, a, "powerAttributes"),
    })
}

fn read_currency(r: &mut Reader<'_>) -> Result<CurrencyItem> {
    let u = UnitItem::read(r)?;
    let description = u.description.parse().map_err(|reason| {
        r.error(ErrorKind::InvalidValue {
            value: u.description.clone(),
            reason,
        })
    })?;
    if u.units.len() != 3 || !u.units.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(r.error(ErrorKind::InvalidValue {
            value: u.units,
            reason: "currency units are an ISO 4217 code such as USD".into(),
        }));
    }
    Ok(CurrencyItem {
        description,
        units: u.units,
        scale: u.scale,
    })
}

fn read_temperature(r: &mut Reader<'_>) -> Result<TemperatureItem> {
    let u = UnitItem::read(r)?;
    let units = u.units.parse().map_err(|reason| {
        r.error(ErrorKind::InvalidValue {
            value: u.units.clone(),
            reason,
        })
    })?;
    Ok(TemperatureItem {
        units,
        scale: u.scale,
    })
}

fn read_pulse(r: &mut Reader<'_>) -> Result<PulseCountItem> {
    let mut f = None;
    while let Some(c) = r.next_child()? {
        match c.local() {
            "itemDescription" | "itemUnits" => {
                r.text()?;
            }
            "pulseFactor" => once!(r, f, "pulseFactor", r.leaf()?),
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok(PulseCountItem {
        factor: need!(r, f, "pulseFactor"),
    })
}

/// Read an optional itemBase member inside a parent's child loop.
pub(crate) fn try_item_base(r: &mut Reader<'_>, ns: Ns, local: &str) -> Result<Option<ItemBase>> {
    ItemBase::read_member(r, ns, local)
}
