"""The default mapping each kind of connection ships (YAML, the tool's own field names): what a
connection reads when it is added without ``--mapping``. Each is also an example in
``examples/mappings/`` to copy and edit.
"""

SERVICENOW = """\
# ServiceNow's own field names, read through its Table API (improve connections add NAME
# --kind servicenow). A time is read as ServiceNow stores it (UTC); every other field as
# ServiceNow shows it (a choice's label, a reference's name). To change it, copy this file,
# edit a column or a list, and pass it with --mapping; leave a table out not to read it.
incident:
  columns:
    id: number
    opened: opened_at
    resolved: resolved_at
    closed: closed_at
    category: category
    service: cmdb_ci
    priority: priority
    assignment_group: assignment_group
    sla_met: made_sla
    reopen_count: reopen_count
    reassignment_count: reassignment_count
    problem_id: problem_id
    change_id: rfc
  true_values: ["true"]
change_request:
  columns:
    id: number
    state: state
    opened: opened_at
    planned_start: start_date
    planned_end: end_date
    closed: closed_at
    service: cmdb_ci
    type: type
    risk: risk
    close_code: close_code
  closed_states: [Closed]
  failed_states: [Canceled]
  failed_close_codes: [Unsuccessful]
problem:
  columns:
    id: number
    state: state
    opened: opened_at
    resolved: resolved_at
    closed: closed_at
    service: cmdb_ci
    category: category
    priority: priority
    assignment_group: assignment_group
    known_error: known_error
    workaround: workaround
    fix: resolution_code
  true_values: ["true"]
  # Risk Accepted, Canceled and Duplicate close a problem without removing its cause.
  fix_values: [Fix Applied]
task_sla:
  columns:
    id: sys_id
    task: task
    definition: sla
    stage: stage
    has_breached: has_breached
    start: start_time
    end: end_time
    breach: planned_end_time
    business_percentage: business_percentage
  true_values: ["true"]
  cancelled_stages: [Cancelled]
"""
JIRA = """\
# Jira Service Management's own field names, read through Jira's REST search (improve
# connections add NAME --kind jira). Each table is the issues its jql finds; a column is a
# field's path (priority.name, components.name; customfield_10050.value for a select list of
# your site), and reassignment_count and reopen_count are counted from each issue's history.
# A time is read as UTC. Category, assignment group, SLA, change type and planned times are
# custom fields in Jira, their ids your site's: add them as columns (category:
# customfield_10050.value). To change it, copy this file, edit a jql, a column or a list, and
# pass it with --mapping; leave a table out not to read it.
incident:
  jql: issuetype = Incident
  columns:
    id: key
    opened: created
    resolved: resolutiondate
    service: components.name
    priority: priority.name
    reopen_count: reopen_count
    reassignment_count: reassignment_count
change:
  jql: issuetype = Change
  columns:
    id: key
    state: status.name
    opened: created
    closed: resolutiondate
    service: components.name
    close_code: resolution.name
  closed_states: [Completed, Closed, Done]
  failed_states: [Canceled, Declined, Failed]
  failed_close_codes: [Failed, Backed out]
problem:
  jql: issuetype = Problem
  columns:
    id: key
    state: status.name
    opened: created
    resolved: resolutiondate
    service: components.name
    priority: priority.name
    fix: resolution.name
  # Jira has no known error flag, nor a closing time apart from the resolution: they stay
  # empty (unknown, never "no"). A workaround or root cause is a custom field of your site's
  # Problem type when it has one: add it (workaround: customfield_10060).
  # Won't Do, Duplicate and Declined close a problem without removing its cause.
  fix_values: [Done, Fixed]
"""
GLPI = """\
# GLPI's search options, by id (the same in every language), read through its REST API
# (improve connections add NAME --kind glpi). A field may also be named by its uid
# (Ticket.status) or its name as listSearchOptions/Ticket gives it. Only incidents are read
# from Ticket (type 1), not requests. Times are read in UTC (from the account's time zone,
# when GLPI says one). Status, priority and type are GLPI's numbers.
Ticket:
  columns:
    id: "2"  # ID
    opened: "15"  # Opening date
    resolved: "17"  # Resolution date
    closed: "16"  # Closing date
    category: "7"  # Category
    priority: "3"  # Priority: 1 very low ... 5 very high, 6 major
    assignment_group: "8"  # Technician group
    sla_met: "82"  # Time to resolve exceeded: 0 (not exceeded) is met
    # The hand-overs, counted from each new ticket's history: one more request a ticket.
    # reassignment_count: Log:reassignments
  true_values: ["0"]
Change:
  columns:
    id: "2"  # ID
    state: "12"  # Status: 5 applied, 6 closed, 13 refused, 14 canceled...
    opened: "15"  # Opening date
    closed: "16"  # Closing date
  closed_states: ["5", "6"]
  failed_states: ["14"]
Problem:
  columns:
    id: "2"  # ID
    state: "12"  # Status: 1 new, 7 accepted, 2 and 3 processing, 4 pending, 5 solved,
    # 8 under observation, 6 closed
    opened: "15"  # Opening date
    resolved: "17"  # Resolution date
    closed: "16"  # Closing date
    category: "7"  # Category
    priority: "3"  # Priority
    assignment_group: "8"  # Technician group
    # The solution's type: any type is a fix unless fix_values lists those that are.
    fix: "23"  # Solution type
  # GLPI has no known error flag, no workaround field and no service of a problem (its
  # items are linked apart): they stay empty (unknown, never "no").
"""
