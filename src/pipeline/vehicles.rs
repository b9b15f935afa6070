//! The plates and vehicles of a frame, for `analyze` and the pipeline: every plate read (text,
//! display form, colour, rows, corners, confidence, the vehicle it is on) and every vehicle
//! (box, class, whether it is large and why, and what the gate rules decide for it).

use chrono::NaiveDate;
use image::RgbImage;
use serde::Serialize;

use super::PipelineError;
use crate::config::Vision;
use crate::domain::PlateColour;
use crate::rules::vehicles::{self, KnownVehicle, SizeEvidence, VehicleDecision, VehicleFacts};
use crate::store::Store;
use crate::vision::crop::Crop;
use crate::vision::manifest::Manifest;
use crate::vision::plate_colour::ColourEvidence;
use crate::vision::plates::{PlateChain, SeenPlate};
use crate::vision::runtime::{ModelError, Runtime};
use crate::vision::vehicle_detect::{
    Vehicle, VehicleClass, VehicleDetectConfig, VehicleDetector, vehicle_containing,
};

/// One plate read.
#[derive(Debug, Clone, Serialize)]
pub struct PlateResult {
    /// Clean text, e.g. 川A8H458.
    pub text: String,
    /// Display form, e.g. 川A·8H458.
    pub formatted: String,
    /// Plate type (ordinary, new_energy_small, police…), and its Chinese name.
    pub kind: String,
    pub kind_zh: String,
    pub colour: PlateColour,
    /// How sure the colour is (0..=1), and the other colour it may be when it is not certain
    /// (the rules then ask the guard to look).
    pub colour_confidence: f32,
    pub colour_doubt: Option<PlateColour>,
    /// What the pixels showed (polarity, contrast, the background's balanced hue and
    /// saturation) and whether the plate's kind decided, to trace a wrong colour.
    pub colour_evidence: ColourEvidence,
    pub colour_by_kind: bool,
    pub rows: u8,
    /// Top-left, top-right, bottom-right, bottom-left, in image pixels.
    pub corners: [[f32; 2]; 4],
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    /// Detector score.
    pub score: f32,
    /// The weakest character's confidence.
    pub confidence: f32,
    /// Each character's confidence (for multi-frame voting).
    #[serde(skip)]
    pub confidences: Vec<f32>,
    pub read_by: String,
    /// Index into `vehicles` of the vehicle carrying the plate.
    pub vehicle: Option<usize>,
    /// What the gate rules decide for the vehicle with this plate (as for vehicles), so a
    /// yellow plate raises the oversize alert even when no vehicle box was found around it.
    pub decision: Decision,
}

/// Whether a vehicle is large and what the gate rules decide for it.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// A large vehicle (4 tonnes and over), and why, in Chinese.
    pub large: bool,
    pub large_reason: Option<String>,
    /// Turned away as oversize (large and not exempt).
    pub oversize: bool,
    /// What the gate does with it (admit, register, oversize…; its key in JSON).
    pub decision: VehicleDecision,
    /// What the guard says.
    pub say: String,
    /// What the guard does.
    pub actions: Vec<String>,
    /// The posts told.
    #[serde(skip)]
    pub notify: Vec<crate::domain::Post>,
}

impl Decision {
    /// Whether the vehicle is let in (admitted, or registered and let in), not turned away.
    pub fn lets_in(&self) -> bool {
        self.decision.lets_in()
    }
}

/// One vehicle.
#[derive(Debug, Serialize)]
pub struct VehicleResult {
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    /// car, bus, truck or motorcycle.
    pub class: String,
    pub score: f32,
    /// Index into `plates` of its plate.
    pub plate: Option<usize>,
    pub decision: Decision,
}

/// The plate chain and the vehicle detector, loaded once.
#[derive(Debug)]
pub struct VehicleEyes {
    plates: PlateChain,
    vehicles: VehicleDetector,
}

impl VehicleEyes {
    /// Loads the plate models and the vehicle detector.
    pub fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        vision: &Vision,
    ) -> Result<VehicleEyes, ModelError> {
        let threads = vision.threads;
        Ok(VehicleEyes {
            plates: PlateChain::load(runtime, manifest, threads, vision.plate_detect())?,
            vehicles: VehicleDetector::load(
                runtime,
                manifest,
                threads,
                VehicleDetectConfig::default(),
            )?,
        })
    }

    /// The plates and vehicles of `img`, decided as on `day` with the records of `store`.
    pub fn see(
        &mut self,
        img: &RgbImage,
        store: Option<&Store>,
        day: NaiveDate,
    ) -> Result<(Vec<PlateResult>, Vec<VehicleResult>), PipelineError> {
        let vehicles = self.vehicles.detect(img)?;
        self.plates_of(img, &vehicles, None, store, day)
    }

    /// The vehicles of `img` (the vehicle detector alone).
    pub fn vehicles(&mut self, img: &RgbImage) -> Result<Vec<Vehicle>, PipelineError> {
        Ok(self.vehicles.detect(img)?)
    }

    /// The plates of `img` on `vehicles` (found in it, or followed to it), searched for in
    /// `crops` only when given, else in the whole image and then on each vehicle with none
    /// found, magnified (a far plate), and decided as [`VehicleEyes::see`].
    pub fn plates_of(
        &mut self,
        img: &RgbImage,
        vehicles: &[Vehicle],
        crops: Option<&[Crop]>,
        store: Option<&Store>,
        day: NaiveDate,
    ) -> Result<(Vec<PlateResult>, Vec<VehicleResult>), PipelineError> {
        let plates = match crops {
            Some(crops) => self.plates.plates_in(img, crops)?,
            None => self.plates.plates(img)?,
        };
        // on a whole frame, a vehicle with no plate found on it is looked at again, magnified:
        // a far plate (on the frames looked at in crops, the crops already bring it closer, and
        // a second look each frame would double a frame's time)
        let plates = if crops.is_none() {
            let boxes: Vec<[f32; 4]> = vehicles.iter().map(|v| v.bbox).collect();
            self.plates.second_look(img, plates, &boxes)?
        } else {
            plates
        };
        let on: Vec<Option<usize>> = plates
            .iter()
            .map(|p| vehicle_containing(vehicles, p.plate.bbox))
            .collect();
        let mut plate_results = Vec::new();
        for (p, &vehicle) in plates.iter().zip(&on) {
            let decision = decide(vehicle.and_then(|k| vehicles.get(k)), Some(p), store, day)?;
            plate_results.push(plate_result(p, vehicle, decision));
        }
        let mut vehicle_results = Vec::new();
        for (i, v) in vehicles.iter().enumerate() {
            let plate = on.iter().position(|&o| o == Some(i));
            let decision = match plate {
                Some(k) => plate_results[k].decision.clone(),
                None => decide(Some(v), None, store, day)?,
            };
            vehicle_results.push(VehicleResult {
                bbox: v.bbox,
                class: v.class.key().to_owned(),
                score: v.score,
                plate,
                decision,
            });
        }
        Ok((plate_results, vehicle_results))
    }
}

fn plate_result(p: &SeenPlate, vehicle: Option<usize>, decision: Decision) -> PlateResult {
    PlateResult {
        text: p.reading.text.clone(),
        formatted: p.reading.formatted.clone(),
        kind: format!("{:?}", p.reading.kind),
        kind_zh: p.reading.kind.zh().to_owned(),
        colour: p.colour.colour,
        colour_confidence: p.colour.confidence,
        colour_doubt: p.colour.doubt,
        colour_evidence: p.colour.evidence,
        colour_by_kind: p.colour.by_kind,
        rows: p.reading.rows,
        corners: p.plate.corners,
        bbox: p.plate.bbox,
        score: p.plate.score,
        confidence: p.reading.confidence,
        confidences: p.reading.confidences.clone(),
        read_by: p.reading.read_by.key().to_owned(),
        vehicle,
        decision,
    }
}

/// The gate's decision for a vehicle seen as `vehicle` (its box, if found) with plate `seen`
/// (if read).
fn decide(
    vehicle: Option<&Vehicle>,
    seen: Option<&SeenPlate>,
    store: Option<&Store>,
    day: NaiveDate,
) -> Result<Decision, PipelineError> {
    let evidence = SizeEvidence {
        plate: seen.map(|p| p.reading.text.as_str()),
        colour: seen.map(|p| p.colour.colour),
        truck_or_bus: vehicle
            .is_some_and(|v| matches!(v.class, VehicleClass::Truck | VehicleClass::Bus)),
        height_in_plate_widths: vehicle.zip(seen).and_then(|(v, p)| {
            let w = p.plate.width();
            (w > 0.0).then(|| (v.bbox[3] - v.bbox[1]) / w)
        }),
    };
    let large_reason = vehicles::size(&evidence);
    let known = match (store, seen) {
        (Some(s), Some(p)) => s
            .find_vehicles(&p.reading.text)?
            .into_iter()
            .next()
            .map(|r| KnownVehicle {
                kind: r.kind,
                valid_from: r.valid_from,
                valid_to: r.valid_to,
            }),
        _ => None,
    };
    let decision = vehicles::decide(&VehicleFacts {
        plate: seen.map(|p| p.reading.text.as_str()),
        colour: seen.map(|p| p.colour.colour),
        colour_doubt: seen.and_then(|p| p.colour.doubt),
        looks_large: large_reason.is_some(),
        known,
        dangerous_goods: false,
        day,
    });
    let prompt = decision.prompt();
    Ok(Decision {
        large: large_reason.is_some(),
        large_reason,
        oversize: decision == vehicles::VehicleDecision::Oversize,
        decision,
        say: prompt.say,
        actions: prompt.actions,
        notify: prompt.notify,
    })
}
