#include "program/demo.h"

#include "program/campaign.h"
#include "program/demo_devices.h"
#include "program/demo_feedback.h"
#include "program/demo_institutions.h"
#include "program/demo_selection.h"
#include "program/demo_training.h"
#include "program/demo_survey.h"
#include "program/programme.h"

#include <string.h>

const char demo_programme_id[] = "01938a40-0000-7000-8000-00000000d001";

static bool demo_present(struct store *st, struct err *e, int *rc)
{
    struct store_stmt *s = store_prepare(st, "SELECT 1 FROM programmes WHERE id = ?", e);
    if (!s) {
        *rc = -1;
        return false;
    }
    store_bind_text(s, 1, demo_programme_id);
    int step = store_step(s, e);
    store_done(s);
    *rc = step < 0 ? -1 : 0;
    return step == 1;
}

static int demo_programme(struct store *st, struct arena *a, bool *loaded, struct err *e)
{
    *loaded = false;
    int rc;
    if (demo_present(st, e, &rc) || rc < 0) return rc;

    /* The first pilot as the programme plans it: a needs survey across Europe and beyond, ten
     * institutions selected, ten tablets each, training, feedback, and an impact report. */
    static struct programme_phase phases[] = {
        {"01938a40-0000-7000-8000-00000000d101", "campaign", "2026-01-12", "2026-03-27"},
        {"01938a40-0000-7000-8000-00000000d102", "identification", "2026-03-30", "2026-04-24"},
        {"01938a40-0000-7000-8000-00000000d103", "selection", "2026-04-27", "2026-05-22"},
        {"01938a40-0000-7000-8000-00000000d104", "equipment", "2026-06-01", "2026-09-11"},
        {"01938a40-0000-7000-8000-00000000d105", "training", "2026-09-14", "2027-03-26"},
        {"01938a40-0000-7000-8000-00000000d106", "feedback", "2026-09-14", "2027-06-25"},
        {"01938a40-0000-7000-8000-00000000d107", "reporting", "2027-06-28", "2027-09-30"},
    };
    struct programme p = {
        .id = demo_programme_id,
        .slug = "bridging-2026",
        .name = "Bridging the Digital Divide in Education 2026",
        .summary = "A needs survey for schools, STEM clubs and education centres, ten pilot "
                   "institutions equipped with ten tablets each, teacher training, and an impact report.",
        .starts_on = "2026-01-12",
        .ends_on = "2027-09-30",
        .pilot_size = 10,
        .devices_per_institution = 10,
        .is_demo = true,
        .phases = phases,
        .phase_count = sizeof phases / sizeof phases[0],
    };
    if (programme_create(st, a, &p, NULL, e) < 0) return -1;
    *loaded = true;
    return 0;
}

/* The needs survey as the demo programme's campaign, opened with the campaign phase and left open
 * at its end, as programmes do to register late institutions for the next cohort: a survey whose
 * campaigns are all closed takes no answers (campaign.h), and the demo's survey is there to be
 * tried. The demo's answers all arrive after it opened (demo_survey.c), so it counts every one. */
static int demo_campaign(struct store *st, struct arena *a, struct err *e)
{
    static const char id[] = "01938a40-0000-7000-8000-00000000d201";
    struct programme *p;
    struct campaign *found;
    if (programme_find(st, a, "bridging-2026", &p, e) < 0) {
        if (e->code != ERR_NOT_FOUND) return -1;
        err_clear(e); /* renamed by someone: the demo leaves it alone */
        return 0;
    }
    if (strcmp(p->id, demo_programme_id) != 0) return 0;
    if (campaign_find(st, a, p->id, id, &found, e) == 0) {
        /* Demo databases made before the campaign was left open closed it on 2026-03-27, which
         * closes the demo's survey today: open its end again, once. */
        if (found->closes_on && strcmp(found->closes_on, "2026-03-27") == 0) {
            struct campaign open = *found;
            open.closes_on = NULL;
            return campaign_update(st, a, p, &open, NULL, e) < 0 ? -1 : 0;
        }
        return 0;
    }
    if (e->code != ERR_NOT_FOUND) return -1;
    err_clear(e);
    struct campaign c = {
        .id = id,
        .name = "Needs survey 2026",
        .form_id = "needs-survey",
        .kind = "needs_survey",
        .opens_on = "2026-01-12",
        .closes_on = NULL,
        .status = "open",
    };
    return campaign_create(st, a, p, &c, NULL, e) < 0 ? -1 : 0;
}

int demo_load(struct store *st, struct arena *a, struct demo_report *report, struct err *e)
{
    memset(report, 0, sizeof *report);
    if (demo_programme(st, a, &report->programme, e) < 0) return -1;
    if (demo_survey_load(st, a, &report->survey_answers, e) < 0) return -1;
    if (demo_institutions_load(st, a, &report->institutions, e) < 0) return -1;
    if (demo_campaign(st, a, e) < 0) return -1;
    /* Phase 2 in progress: the confirmed selection, then what the selected institutions get. */
    if (demo_selection_load(st, a, &report->selection, e) < 0) return -1;
    if (demo_devices_load(st, a, demo_programme_id, e) < 0) return -1;
    if (demo_training_load(st, a, demo_programme_id, e) < 0) return -1;
    /* Last: baseline, endline and session feedback read the pilot institutions and sessions. */
    if (demo_feedback_load(st, a, demo_programme_id, e) < 0) return -1;
    return 0;
}
