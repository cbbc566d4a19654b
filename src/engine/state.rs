//! How the engine holds a replication's state: participants packed into 32-bit keys (last
//! month of stay and cell), the exit log's entries, posts, each team's arrays and random
//! streams, and the worker's reusable scratch space.
//!
//! NOTE: the key layout (cell in the low 7 bits, the extension bit above it, biased last
//! month from bit 8) is read by the participant loops in `exits.rs`, `screen.rs` and
//! `simd.rs` ([`cell_of`], `key < expiring`; the vector loops use the low 3 bits of the
//! byte as the cell of at most eight), by [`Engine::entry_of`] through
//! `last_month_of_cell`, and the exit log's outcome bits by `tally.rs`: change them
//! together.

use std::collections::VecDeque;

use rand::RngCore;

use super::rng::{LaneRng, StreamRng};
use super::screen::ScreenBuffers;
use super::table::TableCache;
use super::tally::Tally;
use super::Engine;
use crate::model::*;
use crate::trajectory::Trajectory;

/// Offset that keeps packed months positive: months run from a warm-up and initial
/// caseload before month 0 to the end of a stay after the horizon, all within ±2 ·
/// `MAX_MONTHS` of month 0, so a biased month takes at most 21 bits.
pub(super) const MONTH_BIAS: i32 = 1 << 20;

/// A participant packed into 29 bits: the last month they can stay (biased) in bits 8–28,
/// cell in the low 8. Keys of those reaching their maximum stay in month `m` are exactly
/// those below `(m + 1 + MONTH_BIAS) << 8`, one comparison in the participant loop.
pub(super) fn pack(last: i32, cell: u8) -> u32 {
    (((last + MONTH_BIAS) as u32) << 8) | cell as u32
}

/// A leaver in the exit log: the outcome (exit cause index) in the top 3 bits above the
/// participant's key.
#[inline(always)]
pub(super) fn pack_exit(outcome: u32, key: u32) -> u32 {
    (outcome << 29) | key
}

/// The (outcome, key) of an exit-log entry.
#[inline(always)]
pub(super) fn unpack_exit(e: u32) -> (u32, u32) {
    (e >> 29, e & 0x1fff_ffff)
}

/// State of one post in a team.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Post {
    Filled,
    /// Empty; months left including the current one.
    Vacant(u32),
    /// A new person at reduced productivity; months left including the current one.
    Onboarding(u32),
}

/// A team's mutable state within a replication.
#[derive(Debug, Clone)]
pub(super) struct TeamState {
    /// Active participants, packed by [`pack`] (see [`Engine::member`]).
    pub(super) members: Vec<u32>,
    /// Attribute profile of each active participant, in step with `members` (empty when
    /// the programme has no attributes).
    pub(super) profiles: Vec<u16>,
    /// Referrals waiting for a place: (cell, profile).
    pub(super) waiting: VecDeque<(u8, u16)>,
    pub(super) posts: [Post; TEAM_ROLES],
    pub(super) exits_rng: LaneRng,
    pub(super) intake_rng: StreamRng,
    pub(super) staffing_rng: StreamRng,
    pub(super) attributes_rng: StreamRng,
    /// Extension draws of the team's entrants (programmes whose groups extend only).
    pub(super) extension_rng: StreamRng,
    /// Index of the team's exit table in the worker's [`TableCache`].
    pub(super) table: usize,
    /// The team factors and cache epoch the table index was taken for.
    pub(super) table_key: Option<(CauseFactors, u64)>,
}

/// One participation as simulated: what a synthetic record is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Participation {
    /// Team index.
    pub team: u32,
    /// Group index.
    pub group: u16,
    /// Gender.
    pub gender: Gender,
    /// Attribute profile (see [`Engine::profile_categories`]).
    pub profile: u16,
    /// Month of entry (index from the calendar start; negative in the warm-up or for the
    /// initial caseload).
    pub entry: i32,
    /// Month and cause of the exit; `None` if still enrolled at the end of the horizon.
    pub exit: Option<(i32, ExitCause)>,
}

impl TeamState {
    /// Active participants.
    pub(super) fn caseload(&self) -> usize {
        self.members.len()
    }
}

impl Participation {
    /// A participation of team `t` and cell `group*2 + gender`.
    pub(super) fn of(
        (t, cell): (usize, u32),
        profile: u16,
        entry: i32,
        exit: Option<(i32, ExitCause)>,
    ) -> Self {
        Participation {
            team: t as u32,
            group: (cell >> 1) as u16,
            gender: Gender::ALL[(cell & 1) as usize],
            profile,
            entry,
            exit,
        }
    }
}

/// Scratch space of one worker thread, reused across replications.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub(super) teams: Vec<TeamState>,
    /// Active participants per cell, programme-wide: after intake, the month's `active`.
    pub(super) cell_active: Vec<u32>,
    pub(super) group_factors: Vec<CauseFactors>,
    pub(super) uncertainty: Vec<CauseFactors>,
    pub(super) tally: Tally,
    /// Exit tables by team factors.
    pub(super) tables: TableCache,
    /// Teams taking intake this month (reused buffer).
    pub(super) open: Vec<usize>,
    /// This month's hazard multiplier of each support role (reused buffer).
    pub(super) support_factors: Vec<f64>,
    /// Entrants of the month per cell, programme-wide.
    pub(super) entered: Vec<u32>,
    /// Entrants admitted to one team in the month: (cell, profile).
    pub(super) admitted: Vec<(u8, u16)>,
    /// One team's scheduled referrals of the month: (cell, profile).
    pub(super) referrals: Vec<(u8, u16)>,
    /// Profile and gender (`profile << 1 | gender`) of the month's entrants, with attributes.
    pub(super) profiled: Vec<u32>,
    /// Candidates of the participant loop with attributes.
    pub(super) screen: ScreenBuffers,
    /// Uniforms of one team's scheduled entrants' cells.
    pub(super) intake_uniforms: Vec<u32>,
    /// Participants enrolled before the first month, from either source of the initial
    /// caseload: (team, entry, cell, profile).
    /// (team, entry, key byte, profile, whether the extension is already decided).
    pub(super) enrolled: Vec<(usize, i32, u8, u16, bool)>,
    /// Each team's factors in the month (`None` for a team that does not exist).
    pub(super) team_factors: Vec<Option<CauseFactors>>,
    /// Pressure multipliers by caseload, per team FTE (bits of the f64).
    pub(super) pressure_memo: Vec<(u64, Vec<f64>)>,
    /// The engine whose caches this workspace holds (0 = none yet).
    pub(super) engine_id: u64,
    /// The previous phase's workspace and record (programmes with `carry_over`).
    pub(super) previous: Option<Box<(Workspace, Trajectory)>>,
}

/// The master seeds of one phase of a replication: every stream's, and the parameter
/// draw's. A previous phase (`carry_over`) draws from streams of its own but shares the
/// parameter draw, so both phases of a replication run with the same rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seeds {
    /// Seed of every stream but the parameter draw's.
    pub(super) streams: u64,
    /// Seed of the parameter draw.
    pub(super) parameters: u64,
}

impl Seeds {
    /// A replication's seeds from its master seed.
    pub(super) fn of(seed: u64) -> Seeds {
        Seeds {
            streams: seed,
            parameters: seed,
        }
    }

    /// The seeds of the previous phase.
    pub(super) fn previous(self) -> Seeds {
        Seeds {
            streams: super::rng::mix64(self.streams ^ 0x5048_4153_4531), // "PHASE1"
            parameters: self.parameters,
        }
    }
}

/// The bit of a key's low byte that marks a participant who is extended at the time
/// limit (cells take the low seven bits: at most 64 groups).
pub(super) const EXTENDED: u8 = 0x80;

/// The cell (`group * 2 + gender`) of a packed key, without the extension bit.
#[inline(always)]
pub(super) fn cell_of(key: u32) -> usize {
    (key & 0x7f) as usize
}

impl Engine {
    /// The packed key of a participant whose key byte is `byte` (the cell, with
    /// [`EXTENDED`] for one extended at the time limit) entering in month `entry`.
    pub(super) fn member(&self, entry: i32, byte: u8) -> u32 {
        pack(entry + self.last_month_of_cell[byte as usize] as i32, byte)
    }

    /// The key byte of an entrant of `cell`: with [`EXTENDED`] if they will be extended at
    /// the time limit. The engine decides at entry, with one uniform from `rng` where the
    /// group extends: the decision is independent of everything before the limit, so this
    /// is the same in distribution as deciding at the limit (which the reference simulator
    /// does), and it keeps the participant loop free of a second draw.
    pub(super) fn entrant_byte(&self, cell: u8, rng: &mut StreamRng) -> u8 {
        let threshold = self.extension_thresholds[cell as usize];
        if threshold > 0 && (rng.next_u64() >> 32) < u64::from(threshold) {
            cell | EXTENDED
        } else {
            cell
        }
    }

    /// The month of entry of a packed participant.
    pub(super) fn entry_of(&self, key: u32) -> i32 {
        (key >> 8) as i32 - MONTH_BIAS - self.last_month_of_cell[(key & 0xff) as usize] as i32
    }
}
