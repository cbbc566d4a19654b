//! Posts in the engine: vacancy, refill and onboarding transitions drawn against the
//! month's vacancy thresholds, and what the posts cost.

use rand::RngCore;

use super::rng::threshold;
use super::state::Post;
use super::{Engine, Workspace};
use crate::model::*;

impl Engine {
    /// Vacancy, refill and onboarding transitions at the start of month `m`.
    pub(super) fn staffing_step(&self, m: i32, ws: &mut Workspace) {
        if !self.any_vacancy {
            return;
        }
        let p = &self.programme;
        // The month's vacancy thresholds depend on the role only, not on the team.
        let vacancy: [u64; TEAM_ROLES] = std::array::from_fn(|r| {
            let v = p
                .shocks
                .iter()
                .filter(|s| s.active(m))
                .fold(p.roles[r].vacancy_probability, |v, s| {
                    v * s.vacancy_factors[r]
                });
            threshold(v.min(1.0))
        });
        for ((ts, team), staffed) in ws.teams.iter_mut().zip(&p.teams).zip(&self.staffed) {
            if !team.exists(m, ts.caseload()) {
                continue;
            }
            for &r in staffed {
                let r = r as usize;
                let d = &p.roles[r];
                // One draw per post and month whatever its state keeps the stream aligned
                // across scenarios that differ only in staffing.
                let u = ts.staffing_rng.next_u64();
                ts.posts[r] = match ts.posts[r] {
                    Post::Filled if u < vacancy[r] => vacant(d.refill_months, d),
                    Post::Filled => Post::Filled,
                    Post::Vacant(left) if left > 1 => Post::Vacant(left - 1),
                    Post::Vacant(_) => onboarding(d.onboarding_months),
                    Post::Onboarding(left) if left > 1 => Post::Onboarding(left - 1),
                    Post::Onboarding(_) => Post::Filled,
                };
            }
        }
    }

    /// Salary cost of a team's posts for one month: vacant posts are not paid.
    pub(super) fn team_cost(&self, team: &Team, posts: &[Post; TEAM_ROLES]) -> f64 {
        let rates = &self.programme.costs.team_roles;
        (0..TEAM_ROLES)
            .filter(|&r| !matches!(posts[r], Post::Vacant(_)))
            .map(|r| team.posts[r] * rates[r] / 12.0)
            .sum()
    }
}

fn vacant(refill: u32, d: &RoleDynamics) -> Post {
    if refill == 0 {
        onboarding(d.onboarding_months)
    } else {
        Post::Vacant(refill)
    }
}

fn onboarding(months: u32) -> Post {
    if months == 0 {
        Post::Filled
    } else {
        Post::Onboarding(months)
    }
}
