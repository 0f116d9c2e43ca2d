//! The closed sets of names that front matter may use (severity, status),
//! with the name written in files and the label people read.

/// A closed set of names that front matter may use (severity, status).
pub trait Choice: Sized + Copy + PartialEq + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == s)
    }
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|c| c.name()).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Maintenance,
    Minor,
    Major,
    Critical,
}

impl Choice for Severity {
    const ALL: &'static [Self] = &[
        Severity::Minor,
        Severity::Major,
        Severity::Critical,
        Severity::Maintenance,
    ];
    fn name(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
            Severity::Maintenance => "maintenance",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Scheduled,
    InProgress,
    Completed,
}

impl Choice for Status {
    const ALL: &'static [Self] = &[
        Status::Investigating,
        Status::Identified,
        Status::Monitoring,
        Status::Resolved,
        Status::Scheduled,
        Status::InProgress,
        Status::Completed,
    ];
    fn name(self) -> &'static str {
        match self {
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
            Status::Scheduled => "scheduled",
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
        }
    }
}

impl Status {
    /// The word people read ("In progress"), where `name` is the one they write.
    pub fn label(self) -> &'static str {
        match self {
            Status::Investigating => "Investigating",
            Status::Identified => "Identified",
            Status::Monitoring => "Monitoring",
            Status::Resolved => "Resolved",
            Status::Scheduled => "Scheduled",
            Status::InProgress => "In progress",
            Status::Completed => "Completed",
        }
    }

    pub const INCIDENT: &'static [Status] = &[
        Status::Investigating,
        Status::Identified,
        Status::Monitoring,
        Status::Resolved,
    ];
    pub const MAINTENANCE: &'static [Status] =
        &[Status::Scheduled, Status::InProgress, Status::Completed];

    /// Whether this status ends the incident or window.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Resolved | Status::Completed)
    }

    pub fn allowed_for(severity: Severity) -> &'static [Status] {
        if severity == Severity::Maintenance {
            Status::MAINTENANCE
        } else {
            Status::INCIDENT
        }
    }
}

impl Severity {
    /// The word people read ("In progress"), where `name` is the one they write.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Minor => "Minor",
            Severity::Major => "Major",
            Severity::Critical => "Critical",
            Severity::Maintenance => "Maintenance",
        }
    }
}

/// What an incident does to one component (SPEC §9), ordered from least
/// to most severe as readers rank them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Impact {
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl Choice for Impact {
    const ALL: &'static [Self] = &[
        Impact::DegradedPerformance,
        Impact::PartialOutage,
        Impact::MajorOutage,
        Impact::UnderMaintenance,
    ];
    fn name(self) -> &'static str {
        match self {
            Impact::DegradedPerformance => "degraded_performance",
            Impact::PartialOutage => "partial_outage",
            Impact::MajorOutage => "major_outage",
            Impact::UnderMaintenance => "under_maintenance",
        }
    }
}

impl Impact {
    /// The impact a severity gives every component listed without one.
    pub fn of_severity(s: Severity) -> Impact {
        match s {
            Severity::Critical => Impact::MajorOutage,
            Severity::Major => Impact::PartialOutage,
            Severity::Minor => Impact::DegradedPerformance,
            Severity::Maintenance => Impact::UnderMaintenance,
        }
    }

    /// The weight of a minute of it in the uptime figure (SPEC §9).
    pub fn downtime_weight(self) -> f64 {
        match self {
            Impact::MajorOutage => 1.0,
            Impact::PartialOutage => 0.3,
            Impact::DegradedPerformance | Impact::UnderMaintenance => 0.0,
        }
    }
}
