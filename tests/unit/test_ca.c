/* test_ca.c: Channel Access headers, DBR payloads and the caproto-style text, over hand-made
 * messages (vectors commented with what the bytes mean). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cashark/ca.h"

/* The text of one message: header bytes + payload, direction given. */
static const char *
repr(struct cs_out *o, const uint8_t *b, size_t n, int response, unsigned max)
{
    struct cs_ca_msg m;
    memset(&m, 0, sizeof m);
    struct cs_cursor k = cs_cursor_make(b, n);
    assert_true(cs_ca_header_parse(&k, &m.h) > 0);
    m.response = (uint8_t)response;
    m.max_elements = max;
    m.payload = cs_cursor_sub(&k, m.h.psize);
    cs_ca_msg_decode(&m);
    cs_out_reset(o);
    cs_ca_repr(o, &m);
    cs_out_char(o, '\0');
    size_t len;
    return cs_out_data(o, &len);
}

struct repr_case {
    const char *what;
    uint8_t bytes[96];
    size_t n;
    int response;
    const char *want;
};

static const struct repr_case repr_cases[] = {
    {"TCP VERSION request: priority 0, minor 13",
     {0, 0, 0, 0, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0},
     16,
     0,
     "VersionRequest(priority=0, version=13)"},
    {"RSRV's TCP VERSION reply is byte-identical; the role makes it a response",
     {0, 0, 0, 0, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0},
     16,
     1,
     "VersionResponse(version=13)"},
    {"CREATE_CHAN request: cid 10, version 13, name 'rpi:color' padded to 16",
     {0,   18,  0,   16,  0,   0,   0,   0,   0,   0, 0, 10, 0, 0, 0, 13,
      'r', 'p', 'i', ':', 'c', 'o', 'l', 'o', 'r', 0, 0, 0,  0, 0, 0, 0},
     32,
     0,
     "CreateChanRequest(name='rpi:color', cid=10, version=13)"},
    {"ACCESS_RIGHTS: cid 0, rights 3",
     {0, 22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3},
     16,
     1,
     "AccessRightsResponse(cid=0, access_rights=<AccessRights.READ|WRITE: 3>)"},
    {"READ_NOTIFY reply, INT -7 padded to 8, ECA_NORMAL, ioid 5",
     {0, 15, 0, 8, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 5, 0xff, 0xf9, 0, 0, 0, 0, 0, 0},
     24,
     1,
     "ReadNotifyResponse(data=array([-7], dtype=int16), data_type=<ChannelType.INT: 1>, "
     "data_count=1, status=CAStatusCode(name='ECA_NORMAL', code=0, code_with_severity=1, "
     "severity=<CASeverity.SUCCESS: 1>, success=1, defunct=False, description='Normal "
     "successful completion'), ioid=5, metadata=None)"},
    {"EVENT_ADD reply, TIME_DOUBLE 2.5: status 0 sev 0, EPICS time 0.5 s, pad, value",
     {0, 1, 0, 24, 0,    20,   0,    1, 0, 0, 0, 1, 0,    0, 0, 7, 0, 0, 0, 0,
      0, 0, 0, 0,  0x1d, 0xcd, 0x65, 0, 0, 0, 0, 0, 0x40, 4, 0, 0, 0, 0, 0, 0},
     40,
     1,
     "EventAddResponse(data=array([2.5]), data_type=<ChannelType.TIME_DOUBLE: 20>, "
     "data_count=1, status=CAStatusCode(name='ECA_NORMAL', code=0, code_with_severity=1, "
     "severity=<CASeverity.SUCCESS: 1>, success=1, defunct=False, description='Normal "
     "successful completion'), subscriptionid=7, metadata=DBR_TIME_DOUBLE(status=<AlarmStatus."
     "NO_ALARM: 0>, severity=<AlarmSeverity.NO_ALARM: 0>, timestamp=631152000.5))"},
    {"EVENT_ADD from the server without payload answers EVENT_CANCEL",
     {0, 1, 0, 0, 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9},
     16,
     1,
     "EventCancelResponse(data_type=<ChannelType.LONG: 5>, sid=0, subscriptionid=9, "
     "data_count=1)"},
    {"CHAR[12] 0..11 summarised to 4 elements",
     {0, 3, 0, 16, 0, 4, 0, 12, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
     32,
     1,
     "ReadResponse(data=array([ 0,  1, ..., 10, 11], dtype=uint8, count=12), data_type=<"
     "ChannelType.CHAR: 4>, data_count=12, sid=2, ioid=1, metadata=None)"},
    {"libca's short STRING write: 'hi' padded to 8, count 1",
     {0, 4, 0, 8, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 4, 'h', 'i', 0, 0, 0, 0, 0, 0},
     24,
     0,
     "WriteRequest(data=[b'hi'], data_type=<ChannelType.STRING: 0>, data_count=1, sid=3, "
     "ioid=4, metadata=None)"},
    {"unknown DBR type 99 with a payload: marked, no crash",
     {0, 15, 0, 8, 0, 99, 0, 1, 0, 0, 0, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8},
     24,
     1,
     "ReadNotifyResponse(data=(repr: unknown data type 99), data_type=99, data_count=1, "
     "status=CAStatusCode(name='ECA_NORMAL', code=0, code_with_severity=1, "
     "severity=<CASeverity.SUCCESS: 1>, success=1, defunct=False, description='Normal "
     "successful completion'), ioid=5, metadata=None) [unknown DBR type 99]"},
    {"DOUBLE count 3 in a payload of one element: decoded as far as valid and marked",
     {0, 15, 0, 8, 0, 6, 0, 3, 0, 0, 0, 1, 0, 0, 0, 5, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0},
     24,
     1,
     "ReadNotifyResponse(data=array([1.]), data_type=<ChannelType.DOUBLE: 6>, data_count=3, "
     "status=CAStatusCode(name='ECA_NORMAL', code=0, code_with_severity=1, "
     "severity=<CASeverity.SUCCESS: 1>, success=1, defunct=False, description='Normal "
     "successful completion'), ioid=5, metadata=None) [short payload: 1 of 3 elements]"},
    {"SEARCH reply: port 5064, ip all ones, cid 1, minor 13 in the payload",
     {0, 6, 0, 8, 0x13, 0xc8, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 13, 0, 0, 0, 0, 0, 0},
     24,
     1,
     "SearchResponse(port=5064, ip='255.255.255.255', cid=1, version=13)"},
    {"obsolete SNAPSHOT: the raw header",
     {0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     16,
     0,
     "CAMessage(command=5, name='SNAPSHOT', direction='request', payload_size=0, "
     "data_type=0, data_count=0, parameter1=0, parameter2=0)"},
};

static void
test_repr(void **state)
{
    (void)state;
    struct cs_out *o = cs_out_new_mem(4096);
    for (size_t i = 0; i < sizeof repr_cases / sizeof repr_cases[0]; i++) {
        const struct repr_case *c = &repr_cases[i];
        unsigned max = strstr(c->what, "summarised") ? 4 : 10;
        const char *got = repr(o, c->bytes, c->n, c->response, max);
        if (strcmp(got, c->want) != 0)
            print_error("%s:\n got  %s\n want %s\n", c->what, got, c->want);
        assert_string_equal(got, c->want);
    }
    cs_out_free(o);
}

static void
test_header(void **state)
{
    (void)state;
    /* extended header: payload_size 0xffff, count 0, then 32-bit size 80000 and count 10000 */
    const uint8_t ext[24] = {0, 15, 0xff, 0xff, 0, 6, 0,    0,    0, 0, 0,    1,
                             0, 0,  0,    2,    0, 1, 0x38, 0x80, 0, 0, 0x27, 0x10};
    struct cs_cursor k = cs_cursor_make(ext, sizeof ext);
    struct cs_ca_hdr h;
    assert_int_equal(cs_ca_header_parse(&k, &h), 24);
    assert_int_equal(h.psize, 80000);
    assert_int_equal(h.count, 10000);
    assert_true(h.extended);
    assert_true(cs_ca_header_sane(&h, 1));
    /* cut before the extension: nothing consumed */
    k = cs_cursor_make(ext, 20);
    assert_int_equal(cs_ca_header_parse(&k, &h), 0);
    assert_int_equal(cs_cursor_remaining(&k), 20);
    /* an all-zero header is a plausible VERSION but never ends a resynchronisation */
    const uint8_t zero[16] = {0};
    k = cs_cursor_make(zero, sizeof zero);
    assert_int_equal(cs_ca_header_parse(&k, &h), 16);
    assert_true(cs_ca_header_plausible(&h));
    assert_false(cs_ca_header_sane(&h, 0));
    /* command 28 is not CA */
    const uint8_t bad[16] = {0, 28};
    k = cs_cursor_make(bad, sizeof bad);
    cs_ca_header_parse(&k, &h);
    assert_false(cs_ca_header_plausible(&h));
}

static void
test_dbr_sizes(void **state)
{
    (void)state;
    static const struct {
        uint16_t type;
        uint32_t count;
        int ok;
        uint64_t size;
    } v[] = {
        {0, 1, 1, 40},                   /* STRING */
        {20, 1, 1, 24},                  /* TIME_DOUBLE: 16 + 8 */
        {24, 1, 1, 424},                 /* GR_ENUM: 422 + 2 */
        {34, 1, 1, 88},                  /* CTRL_DOUBLE */
        {28, 1, 1, 44},                  /* CTRL_STRING with the EPICS (STS) layout */
        {37, 1, 1, 48},                  /* STSACK_STRING */
        {6, 0xffffffffu, 0, 0},          /* 8 * 2^32 overflows 32 bits: refused */
        {0, 107374182u, 1, 4294967280u}, /* 40 * count just fits */
        {39, 1, 0, 0},                   /* unknown type */
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int ok;
        uint64_t n = cs_ca_dbr_size(v[i].type, v[i].count, &ok);
        assert_int_equal(ok, v[i].ok);
        assert_int_equal(n, v[i].size);
    }
}

static void
test_ctrl_metadata(void **state)
{
    (void)state;
    /* CTRL_INT: status 17 (UDF), severity 0, units "mA", 8 limits 100,-100,90,80,-80,-90,100,
     * -100, then the value 5 and padding */
    const uint8_t pl[32] = {0,    17,   0,   0,    'm',  'A',  0,  0, 0,  0,    0,
                            0,    0,    100, 0xff, 0x9c, 0,    90, 0, 80, 0xff, 0xb0,
                            0xff, 0xa6, 0,   100,  0xff, 0x9c, 0,  5, 0,  0};
    struct cs_ca_dbr d;
    cs_ca_dbr_decode(&d, 29, 1, cs_cursor_make(pl, sizeof pl));
    assert_true(d.known && d.has_limits && d.has_units);
    assert_int_equal(d.status, 17);
    assert_int_equal(d.n_limits, 8);
    assert_int_equal(d.limits[1].i, -100);
    assert_int_equal(d.limits[7].i, -100);
    assert_int_equal(d.n_elems, 1);
    assert_int_equal(cs_ca_dbr_elem(&d, 0).i, 5);
    assert_false(d.short_payload);
    /* the same type with the payload cut inside the metadata */
    cs_ca_dbr_decode(&d, 29, 1, cs_cursor_make(pl, 10));
    assert_true(d.meta_cut);
    assert_int_equal(d.n_elems, 0);
}

/* Channel names per circuit: each message of a channel names its PV (ca.pv), resolved from
 * the cid of the creation, the sid its reply binds, and the ioid/subscription ids. */
struct chan_step {
    const char *what;
    uint16_t cmd;
    uint8_t response;
    uint32_t p1, p2;
    const char *name; /* CREATE_CHAN request: the PV */
    const char *pv;   /* expected ca.pv, NULL: none */
};

static const struct chan_step chan_steps[] = {
    {"read before any channel", CS_CA_READ_NOTIFY, 0, 9, 3, NULL, NULL},
    {"create request (cid 5)", CS_CA_CREATE_CHAN, 0, 5, 13, "a:b", "a:b"},
    {"create request (cid 6)", CS_CA_CREATE_CHAN, 0, 6, 13, "c:d", "c:d"},
    {"create reply: cid 5 -> sid 9", CS_CA_CREATE_CHAN, 1, 5, 9, NULL, "a:b"},
    {"create reply: cid 6 -> sid 10", CS_CA_CREATE_CHAN, 1, 6, 10, NULL, "c:d"},
    {"access rights (cid 6)", CS_CA_ACCESS_RIGHTS, 1, 6, 3, NULL, "c:d"},
    {"read request (sid 9, ioid 3)", CS_CA_READ_NOTIFY, 0, 9, 3, NULL, "a:b"},
    {"read reply (ioid 3)", CS_CA_READ_NOTIFY, 1, 1, 3, NULL, "a:b"},
    {"read reply (ioid 4, never asked)", CS_CA_READ_NOTIFY, 1, 1, 4, NULL, NULL},
    {"monitor request (sid 10, subid 7)", CS_CA_EVENT_ADD, 0, 10, 7, NULL, "c:d"},
    {"monitor update (subid 7)", CS_CA_EVENT_ADD, 1, 1, 7, NULL, "c:d"},
    {"clear channel (sid 9, cid 5)", CS_CA_CLEAR_CHANNEL, 0, 9, 5, NULL, "a:b"},
    {"server disconnect (cid 6)", CS_CA_SERVER_DISCONN, 1, 6, 0, NULL, "c:d"},
};

static void
test_chan_names(void **state)
{
    (void)state;
    struct cs_ca_chans *t = NULL;
    for (size_t i = 0; i < sizeof chan_steps / sizeof chan_steps[0]; i++) {
        const struct chan_step *st = &chan_steps[i];
        struct cs_ca_msg m;
        memset(&m, 0, sizeof m);
        m.marker = CS_CA_MSG;
        m.h.cmd = st->cmd;
        m.h.p1 = st->p1;
        m.h.p2 = st->p2;
        m.response = st->response;
        if (st->name)
            m.name = cs_cursor_make((const uint8_t *)st->name, strlen(st->name));
        cs_ca_chans_note(&t, &m);
        size_t n;
        const uint8_t *p = cs_cursor_span(st->name ? &m.name : &m.pv, &n);
        if (!st->pv) {
            if (p && n)
                fail_msg("%s: unexpected pv %.*s", st->what, (int)n, (const char *)p);
        } else if (!p || n != strlen(st->pv) || memcmp(p, st->pv, n) != 0) {
            fail_msg("%s: pv %.*s, expected %s", st->what, (int)n, p ? (const char *)p : "",
                     st->pv);
        }
    }
    cs_ca_chans_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repr),       cmocka_unit_test(test_header),
        cmocka_unit_test(test_dbr_sizes),  cmocka_unit_test(test_ctrl_metadata),
        cmocka_unit_test(test_chan_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
