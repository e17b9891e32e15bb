/* libical's iTIP restriction check (RFC 5546) over .ics files, for tests/calendar/libical.py.
 *
 * Usage: icalrestriction_check FILE...  Prints one line per problem, "FILE: COMPONENT: text",
 * and exits 1 when any file does not parse or breaks a restriction of its METHOD.
 */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb"); if (!f) return NULL;
    fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    char *b = malloc(n + 1); if (fread(b, 1, n, f) != (size_t)n) { fclose(f); free(b); return NULL; }
    b[n] = 0; fclose(f); return b;
}
static int report(const char *path, icalcomponent *c) {
    int bad = 0;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
        printf("%s: %s: %s\n", path, icalcomponent_kind_to_string(icalcomponent_isa(c)), icalproperty_get_xlicerror(p));
        bad = 1;
    }
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) bad |= report(path, s);
    return bad;
}
int main(int argc, char **argv) {
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        char *text = slurp(argv[i]);
        if (!text) { printf("%s: cannot read\n", argv[i]); bad = 1; continue; }
        icalcomponent *c = icalparser_parse_string(text);
        free(text);
        if (!c) { printf("%s: does not parse\n", argv[i]); bad = 1; continue; }
        int ok = icalrestriction_check(c);
        bad |= report(argv[i], c);
        if (!ok) { printf("%s: restriction check failed\n", argv[i]); bad = 1; }
        icalcomponent_free(c);
    }
    return bad;
}
