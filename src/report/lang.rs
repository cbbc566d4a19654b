//! The report's words in English and Swedish. Swedish uses the programme's own terms:
//! avslut mot arbete eller studier, årsplatser, stegrande mål, procentenheter.

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Swedish.
    Sv,
}

impl Lang {
    /// The HTML `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
        }
    }
}

/// Every fixed text of the report and its charts.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    /// Median line.
    pub median: &'static str,
    /// Band of the middle half.
    pub band_50: &'static str,
    /// Band of 90 %.
    pub band_90: &'static str,
    /// Target line.
    pub target: &'static str,
    /// Title of chart 1.
    pub title_cumulative: &'static str,
    /// Caption of chart 1.
    pub caption_cumulative: &'static str,
    /// Axis: exits to work or studies.
    pub positive_exits: &'static str,
    /// Title of chart 2 (followed by the year).
    pub title_distribution: &'static str,
    /// Caption of chart 2 (`{year}` replaced).
    pub caption_distribution: &'static str,
    /// Axis: share of simulated futures.
    pub share_of_futures: &'static str,
    /// Title of chart 3.
    pub title_targets: &'static str,
    /// Caption of chart 3.
    pub caption_targets: &'static str,
    /// Axis: probability.
    pub probability: &'static str,
    /// Median share series.
    pub share_median: &'static str,
    /// Goal series.
    pub goal: &'static str,
    /// Percentage points.
    pub pp: &'static str,
    /// Relative reading.
    pub relative: &'static str,
    /// Title of chart 4.
    pub title_escalating: &'static str,
    /// Caption of chart 4.
    pub caption_escalating: &'static str,
    /// Axis: share to work or studies.
    pub share: &'static str,
    /// Caseload cap line.
    pub cap: &'static str,
    /// Waiting list line.
    pub waiting: &'static str,
    /// Title of chart 5.
    pub title_caseload: &'static str,
    /// Caption of chart 5.
    pub caption_caseload: &'static str,
    /// Axis: participants.
    pub participants: &'static str,
    /// Women.
    pub women: &'static str,
    /// Men.
    pub men: &'static str,
    /// Everyone.
    pub everyone: &'static str,
    /// Title of chart 6a.
    pub title_gender_exits: &'static str,
    /// Caption of chart 6a.
    pub caption_gender: &'static str,
    /// Title of chart 6b.
    pub title_gender_share: &'static str,
    /// Caption of chart 6b.
    pub caption_gender_share: &'static str,
    /// "in total" after a span of years.
    pub in_total: &'static str,
    /// "at most " before an amount.
    pub at_most: &'static str,
    /// "in " before a year.
    pub in_year: &'static str,
    /// Report title.
    pub report_title: &'static str,
    /// Section: the verdict.
    pub verdict: &'static str,
    /// Verdict sentence: "{target} is reached in {p} ± {se} of simulated futures".
    pub verdict_sentence: &'static str,
    /// The probability under each reading of the calibration: `{list}`.
    pub verdict_readings: &'static str,
    /// What the model is calibrated to: `{source}`, `{draws}`, `{readings}`.
    pub calibrated_to: &'static str,
    /// Verdict for the escalating goal of a year.
    pub verdict_escalating: &'static str,
    /// Section: charts.
    pub charts: &'static str,
    /// Section: tables.
    pub tables: &'static str,
    /// Yearly table caption.
    pub table_caption: &'static str,
    /// Section: targets table.
    pub targets: &'static str,
    /// Targets table: mean of the metric.
    pub mean: &'static str,
    /// Section: escalating goals table.
    pub escalating: &'static str,
    /// Escalating table: the step probability.
    pub step_probability: &'static str,
    /// Section: assumptions.
    pub assumptions: &'static str,
    /// Introduction to the assumptions.
    pub assumptions_intro: &'static str,
    /// Assumptions table headers: parameter, value, comment, file.
    pub assumption_headers: [&'static str; 4],
    /// Section: method.
    pub method: &'static str,
    /// Method note paragraphs (`{reps}`, `{seed}`, `{version}`, `{uncertainty}` replaced).
    pub method_text: [&'static str; 4],
    /// Parameter uncertainty on.
    pub uncertainty_on: &'static str,
    /// Parameter uncertainty off.
    pub uncertainty_off: &'static str,
    /// Column: year.
    pub year: &'static str,
    /// Metric labels, by identifier.
    metrics: [(&'static str, &'static str); 21],
}

impl Texts {
    /// The texts of a language.
    pub fn of(lang: Lang) -> &'static Texts {
        match lang {
            Lang::En => &EN,
            Lang::Sv => &SV,
        }
    }

    /// The label of a metric identifier (the identifier itself if unknown).
    pub fn metric(&self, id: &str) -> String {
        self.metrics
            .iter()
            .find(|m| m.0 == id)
            .map_or(id.to_string(), |m| m.1.to_string())
    }

    /// Metric identifiers with labels, in table order.
    pub fn metric_rows(&self) -> &[(&'static str, &'static str)] {
        &self.metrics
    }
}

static EN: Texts = Texts {
    median: "median",
    band_50: "middle half of futures (P25–P75)",
    band_90: "90 % of futures (P5–P95)",
    target: "target",
    title_cumulative: "Exits to work or studies so far this year",
    caption_cumulative: "Cumulative exits to work or studies through each year (restarting in January): the median future, the middle half and 90 % of simulated futures, and the year's target.",
    positive_exits: "exits to work or studies",
    title_distribution: "Exits to work or studies",
    caption_distribution: "How many exits to work or studies {year} brings across simulated futures; the red line is the target, darker bars reach it.",
    share_of_futures: "share of futures",
    title_targets: "Probability of reaching each target",
    caption_targets: "Share of simulated futures in which each target is reached; the black bars show the 95 % Monte Carlo interval.",
    probability: "probability",
    share_median: "share to work/studies (median, P5–P95)",
    goal: "goal",
    pp: "pp/yr",
    relative: "rel./yr",
    title_escalating: "Escalating goals: share of exits to work or studies",
    caption_escalating: "The share of exits going to work or studies per year (median and 90 % of futures) against the escalating goal under both readings of the yearly 3–5 step: percentage points or percent of itself.",
    share: "share to work or studies",
    cap: "caseload cap",
    waiting: "waiting list (median)",
    title_caseload: "Active participants per month",
    caption_caseload: "Participants enrolled each month (after the month's intake) across simulated futures, with the caseload cap and waiting list if the scenario has them.",
    participants: "participants",
    women: "women",
    men: "men",
    everyone: "everyone",
    title_gender_exits: "Exits to work or studies by gender",
    caption_gender: "Mean exits to work or studies of women and men per year, with 90 % of futures.",
    title_gender_share: "Share to work or studies by gender",
    caption_gender_share: "Share of women's and men's exits that go to work or studies, per year (mean, with 90 % of futures).",
    in_total: "combined",
    at_most: "at most ",
    in_year: "in ",
    report_title: "Simulation report",
    verdict: "Will the targets be reached?",
    verdict_sentence: "{target}: reached in {p} ± {se} of simulated futures.",
    verdict_readings: "Under each reading: {list}.",
    calibrated_to: "What these probabilities rest on: the model's rates and time-limit policy are calibrated to {source}. Each simulated future runs one of {draws} draws from that calibration's uncertainty, so the probabilities include what the facts cannot pin down. Where the facts cannot decide between readings, each is carried and every target is also given under each: {readings}.",
    verdict_escalating: "{year}: the escalating goal ({goal} of exits to work or studies with +{step} percentage points a year) is reached in {p} of futures; read as +{step} % a year, {prel}.",
    charts: "Charts",
    tables: "Tables",
    table_caption: "Each cell: mean over simulated futures, with the 5th–95th percentile in brackets.",
    targets: "Targets",
    mean: "mean",
    escalating: "Escalating goals",
    step_probability: "P(share rose by the step)",
    assumptions: "The scenario's assumptions",
    assumptions_intro: "Every value of the scenario after refinements and overrides, with the comment written next to it in the scenario file (domain = the programme's documents, calibrated = fitted to the 2018–2019 results, assumption = a documented guess).",
    assumption_headers: ["parameter", "value", "comment", "file"],
    method: "Method",
    method_text: [
        "kraftsim simulates the programme month by month: intakes, each participant's exit to work, studies, the AF/FK rehabilitation collaboration or other reasons (competing risks with rates by group, gender and months in the programme), staffing with vacancies and ramp-up, caseload pressure and costs.",
        "One replication is one possible future of the programme from start to end of the horizon. This report is based on {reps} replications with seed {seed}; parameter uncertainty was {uncertainty}. A percentage such as “reached in 63 % of simulated futures” is the share of replications in which the target was met; “± 1” is its Monte Carlo standard error in percentage points (it shrinks with more replications; it does not cover errors in the assumptions).",
        "The same scenario, seed and number of replications give exactly the same figures on any computer and with any number of threads.",
        "Produced by kraftsim {version}.",
    ],
    uncertainty_on: "on (each future draws its own rates within their uncertainty)",
    uncertainty_off: "off (only chance varies between futures)",
    year: "year",
    metrics: [
        ("positive_exits", "exits to work or studies"),
        ("positive_share", "share of exits to work or studies"),
        ("positive_share_excluding_time_limit", "the same share, time-limit closures left out"),
        ("work_exits", "exits to work"),
        ("studies_exits", "exits to studies"),
        ("fk_samverkan", "FK participants into the AF/FK rehabilitation collaboration"),
        ("other_exits", "other exits"),
        ("time_limit_exits", "closed at the time limit"),
        ("exits", "all exits"),
        ("fk_closed", "FK cases closed"),
        ("fk_work_exits", "FK cases closed to work"),
        ("mean_months_closed", "months in the programme of those closed, mean"),
        ("median_months_closed", "months in the programme of those closed, median"),
        ("entrants", "participants entering"),
        ("participants", "participants enrolled at any time"),
        ("caseload_mean", "active caseload, monthly mean"),
        ("caseload_min", "active caseload, lowest month"),
        ("caseload_max", "active caseload, highest month"),
        ("person_years", "person-years (årsplatser)"),
        ("budget_sek", "budget, MSEK"),
        ("cost_per_positive_exit", "cost per exit to work or studies, kSEK"),
    ],
};

static SV: Texts = Texts {
    median: "median",
    band_50: "mittersta hälften av framtiderna (P25–P75)",
    band_90: "90 % av framtiderna (P5–P95)",
    target: "mål",
    title_cumulative: "Avslut mot arbete eller studier hittills i år",
    caption_cumulative: "Ackumulerade avslut mot arbete eller studier under varje år (nollställs i januari): medianframtiden, mittersta hälften och 90 % av de simulerade framtiderna, samt årets mål.",
    positive_exits: "avslut mot arbete eller studier",
    title_distribution: "Avslut mot arbete eller studier",
    caption_distribution: "Hur många avslut mot arbete eller studier {year} ger i de simulerade framtiderna; den röda linjen är målet, mörkare staplar når det.",
    share_of_futures: "andel av framtiderna",
    title_targets: "Sannolikhet att nå varje mål",
    caption_targets: "Andel simulerade framtider där varje mål nås; de svarta strecken visar 95 % Monte Carlo-intervall.",
    probability: "sannolikhet",
    share_median: "andel till arbete/studier (median, P5–P95)",
    goal: "mål",
    pp: "procentenheter/år",
    relative: "rel./år",
    title_escalating: "Stegrande mål: andel avslut mot arbete eller studier",
    caption_escalating: "Andelen avslut som går till arbete eller studier per år (median och 90 % av framtiderna) jämfört med det stegrande målet i båda läsningarna av ökningen med 3–5 per år: procentenheter eller procent av sig själv.",
    share: "andel till arbete eller studier",
    cap: "tak för antal deltagare",
    waiting: "väntelista (median)",
    title_caseload: "Aktiva deltagare per månad",
    caption_caseload: "Inskrivna deltagare varje månad (efter månadens intag) i de simulerade framtiderna, med tak och väntelista om scenariot har sådana.",
    participants: "deltagare",
    women: "kvinnor",
    men: "män",
    everyone: "alla",
    title_gender_exits: "Avslut mot arbete eller studier efter kön",
    caption_gender: "Genomsnittligt antal avslut mot arbete eller studier för kvinnor och män per år, med 90 % av framtiderna.",
    title_gender_share: "Andel till arbete eller studier efter kön",
    caption_gender_share: "Andel av kvinnors och mäns avslut som går till arbete eller studier, per år (medelvärde, med 90 % av framtiderna).",
    in_total: "totalt",
    at_most: "högst ",
    in_year: "under ",
    report_title: "Simuleringsrapport",
    verdict: "Nås målen?",
    verdict_sentence: "{target}: nås i {p} ± {se} av de simulerade framtiderna.",
    verdict_readings: "Per tolkning: {list}.",
    calibrated_to: "Vad sannolikheterna vilar på: modellens utflödestakter och hantering av tidsgränsen är kalibrerade mot {source}. Varje simulerad framtid använder en av {draws} dragningar ur kalibreringens osäkerhet, så sannolikheterna tar med det som fakta inte kan slå fast. Där fakta inte avgör mellan olika tolkningar tas alla med och varje mål anges också per tolkning: {readings}.",
    verdict_escalating: "{year}: det stegrande målet ({goal} av avsluten mot arbete eller studier med +{step} procentenheter per år) nås i {p} av framtiderna; läst som +{step} % per år, {prel}.",
    charts: "Diagram",
    tables: "Tabeller",
    table_caption: "Varje cell: medelvärde över de simulerade framtiderna, med 5:e–95:e percentilen inom parentes.",
    targets: "Mål",
    mean: "medelvärde",
    escalating: "Stegrande mål",
    step_probability: "P(andelen ökade med steget)",
    assumptions: "Scenariots antaganden",
    assumptions_intro: "Alla värden i scenariot efter förfiningar och ändringar, med kommentaren som står intill i scenariofilen (domain = programmets dokument, calibrated = anpassat till resultaten 2018–2019, assumption = ett dokumenterat antagande).",
    assumption_headers: ["parameter", "värde", "kommentar", "fil"],
    method: "Metod",
    method_text: [
        "kraftsim simulerar programmet månad för månad: intag, varje deltagares avslut mot arbete, studier, samverkan AF/FK eller annat (konkurrerande risker med intensiteter efter grupp, kön och tid i programmet), bemanning med vakanser och uppstart, belastning och kostnader.",
        "En replikering är en möjlig framtid för programmet från start till slutet av perioden. Rapporten bygger på {reps} replikeringar med frö {seed}; parameterosäkerhet var {uncertainty}. En procentsats som ”nås i 63 % av de simulerade framtiderna” är andelen replikeringar där målet nåddes; ”± 1” är dess Monte Carlo-medelfel i procentenheter (det minskar med fler replikeringar; det täcker inte fel i antagandena).",
        "Samma scenario, frö och antal replikeringar ger exakt samma siffror på vilken dator som helst och med valfritt antal trådar.",
        "Framställd med kraftsim {version}.",
    ],
    uncertainty_on: "på (varje framtid drar egna intensiteter inom deras osäkerhet)",
    uncertainty_off: "av (bara slumpen varierar mellan framtiderna)",
    year: "år",
    metrics: [
        ("positive_exits", "avslut mot arbete eller studier"),
        ("positive_share", "andel avslut mot arbete eller studier"),
        ("positive_share_excluding_time_limit", "samma andel, utan avslut vid tidsgränsen"),
        ("work_exits", "avslut mot arbete"),
        ("studies_exits", "avslut mot studier"),
        ("fk_samverkan", "FK-deltagare till samverkan AF/FK"),
        ("other_exits", "övriga avslut"),
        ("time_limit_exits", "avslutade vid tidsgränsen"),
        ("exits", "alla avslut"),
        ("fk_closed", "avslutade FK-ärenden"),
        ("fk_work_exits", "FK-ärenden avslutade mot arbete"),
        ("mean_months_closed", "månader i programmet för avslutade, medel"),
        ("median_months_closed", "månader i programmet för avslutade, median"),
        ("entrants", "nya deltagare"),
        ("participants", "deltagare inskrivna någon gång under året"),
        ("caseload_mean", "aktiva deltagare per månad, medel"),
        ("caseload_min", "aktiva deltagare, lägsta månaden"),
        ("caseload_max", "aktiva deltagare, högsta månaden"),
        ("person_years", "årsplatser"),
        ("budget_sek", "budget, mnkr"),
        ("cost_per_positive_exit", "kostnad per avslut mot arbete eller studier, tkr"),
    ],
};
