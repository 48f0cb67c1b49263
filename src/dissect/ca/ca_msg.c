/* ca_msg.c: Channel Access message parsing: headers, per-command payloads, DBR values, tables.
 *
 * EPICS Channel Access Protocol Specification (version 4.13): message header and extended
 * header, command payloads, DBR structure layouts (db_access.h), ECA status codes (caerr.h).
 */
#include "cashark/ca.h"

#include <string.h>

/* ---- tables ---- */

struct cmd_row {
    uint16_t id;
    const char *name;     /* EPICS name without CA_PROTO_ */
    const char *request;  /* caproto class client to server, NULL when none */
    const char *response; /* caproto class server to client, NULL when none */
};

static const struct cmd_row cmd_rows[CS_CA_MAX_CMD + 1] = {
    {0, "VERSION", "VersionRequest", "VersionResponse"},
    {1, "EVENT_ADD", "EventAddRequest", "EventAddResponse"},
    {2, "EVENT_CANCEL", "EventCancelRequest", NULL},
    {3, "READ", "ReadRequest", "ReadResponse"},
    {4, "WRITE", "WriteRequest", NULL},
    {5, "SNAPSHOT", NULL, NULL},
    {6, "SEARCH", "SearchRequest", "SearchResponse"},
    {7, "BUILD", NULL, NULL},
    {8, "EVENTS_OFF", "EventsOffRequest", NULL},
    {9, "EVENTS_ON", "EventsOnRequest", NULL},
    {10, "READ_SYNC", "ReadSyncRequest", NULL},
    {11, "ERROR", NULL, "ErrorResponse"},
    {12, "CLEAR_CHANNEL", "ClearChannelRequest", "ClearChannelResponse"},
    {13, "RSRV_IS_UP", NULL, "Beacon"},
    {14, "NOT_FOUND", NULL, "NotFoundResponse"},
    {15, "READ_NOTIFY", "ReadNotifyRequest", "ReadNotifyResponse"},
    {16, "READ_BUILD", NULL, NULL},
    {17, "REPEATER_CONFIRM", NULL, "RepeaterConfirmResponse"},
    {18, "CREATE_CHAN", "CreateChanRequest", "CreateChanResponse"},
    {19, "WRITE_NOTIFY", "WriteNotifyRequest", "WriteNotifyResponse"},
    {20, "CLIENT_NAME", "ClientNameRequest", NULL},
    {21, "HOST_NAME", "HostNameRequest", NULL},
    {22, "ACCESS_RIGHTS", NULL, "AccessRightsResponse"},
    {23, "ECHO", "EchoRequest", "EchoResponse"},
    {24, "REPEATER_REGISTER", "RepeaterRegisterRequest", NULL},
    {25, "SIGNAL", NULL, NULL},
    {26, "CREATE_CH_FAIL", NULL, "CreateChFailResponse"},
    {27, "SERVER_DISCONN", NULL, "ServerDisconnResponse"},
};

const char *
cs_ca_cmd_name(uint16_t cmd)
{
    return cmd <= CS_CA_MAX_CMD ? cmd_rows[cmd].name : NULL;
}

const char *
cs_ca_class_name(uint16_t cmd, int response)
{
    if (cmd > CS_CA_MAX_CMD)
        return NULL;
    return response ? cmd_rows[cmd].response : cmd_rows[cmd].request;
}

/* DBR types with the EPICS (db_access.h) layouts: CTRL_STRING and GR_STRING use the STS layout. */
struct dbr_row {
    const char *name;
    uint8_t family, etype;
    uint16_t meta; /* metadata bytes before the first element */
};

static const struct dbr_row dbr_rows[CS_CA_MAX_DBR + 1] = {
    {"STRING", CS_CA_F_PLAIN, CS_CA_E_STRING, 0},
    {"INT", CS_CA_F_PLAIN, CS_CA_E_INT, 0},
    {"FLOAT", CS_CA_F_PLAIN, CS_CA_E_FLOAT, 0},
    {"ENUM", CS_CA_F_PLAIN, CS_CA_E_ENUM, 0},
    {"CHAR", CS_CA_F_PLAIN, CS_CA_E_CHAR, 0},
    {"LONG", CS_CA_F_PLAIN, CS_CA_E_LONG, 0},
    {"DOUBLE", CS_CA_F_PLAIN, CS_CA_E_DOUBLE, 0},
    {"STS_STRING", CS_CA_F_STS, CS_CA_E_STRING, 4},
    {"STS_INT", CS_CA_F_STS, CS_CA_E_INT, 4},
    {"STS_FLOAT", CS_CA_F_STS, CS_CA_E_FLOAT, 4},
    {"STS_ENUM", CS_CA_F_STS, CS_CA_E_ENUM, 4},
    {"STS_CHAR", CS_CA_F_STS, CS_CA_E_CHAR, 5},
    {"STS_LONG", CS_CA_F_STS, CS_CA_E_LONG, 4},
    {"STS_DOUBLE", CS_CA_F_STS, CS_CA_E_DOUBLE, 8},
    {"TIME_STRING", CS_CA_F_TIME, CS_CA_E_STRING, 12},
    {"TIME_INT", CS_CA_F_TIME, CS_CA_E_INT, 14},
    {"TIME_FLOAT", CS_CA_F_TIME, CS_CA_E_FLOAT, 12},
    {"TIME_ENUM", CS_CA_F_TIME, CS_CA_E_ENUM, 14},
    {"TIME_CHAR", CS_CA_F_TIME, CS_CA_E_CHAR, 15},
    {"TIME_LONG", CS_CA_F_TIME, CS_CA_E_LONG, 12},
    {"TIME_DOUBLE", CS_CA_F_TIME, CS_CA_E_DOUBLE, 16},
    {"GR_STRING", CS_CA_F_STS, CS_CA_E_STRING, 4},
    {"GR_INT", CS_CA_F_GR, CS_CA_E_INT, 24},
    {"GR_FLOAT", CS_CA_F_GR, CS_CA_E_FLOAT, 40},
    {"GR_ENUM", CS_CA_F_GR, CS_CA_E_ENUM, 422},
    {"GR_CHAR", CS_CA_F_GR, CS_CA_E_CHAR, 19},
    {"GR_LONG", CS_CA_F_GR, CS_CA_E_LONG, 36},
    {"GR_DOUBLE", CS_CA_F_GR, CS_CA_E_DOUBLE, 64},
    {"CTRL_STRING", CS_CA_F_STS, CS_CA_E_STRING, 4},
    {"CTRL_INT", CS_CA_F_CTRL, CS_CA_E_INT, 28},
    {"CTRL_FLOAT", CS_CA_F_CTRL, CS_CA_E_FLOAT, 48},
    {"CTRL_ENUM", CS_CA_F_CTRL, CS_CA_E_ENUM, 422},
    {"CTRL_CHAR", CS_CA_F_CTRL, CS_CA_E_CHAR, 21},
    {"CTRL_LONG", CS_CA_F_CTRL, CS_CA_E_LONG, 44},
    {"CTRL_DOUBLE", CS_CA_F_CTRL, CS_CA_E_DOUBLE, 80},
    {"PUT_ACKT", CS_CA_F_ACK, CS_CA_E_ACK, 0},
    {"PUT_ACKS", CS_CA_F_ACK, CS_CA_E_ACK, 0},
    {"STSACK_STRING", CS_CA_F_STSACK, CS_CA_E_STRING, 8},
    {"CLASS_NAME", CS_CA_F_CLASS, CS_CA_E_STRING, 0},
};

static const uint8_t elem_bytes[] = {
    [CS_CA_E_STRING] = 40, [CS_CA_E_INT] = 2,  [CS_CA_E_FLOAT] = 4,
    [CS_CA_E_ENUM] = 2,    [CS_CA_E_CHAR] = 1, [CS_CA_E_LONG] = 4,
    [CS_CA_E_DOUBLE] = 8,  [CS_CA_E_ACK] = 2,  [CS_CA_E_NONE] = 0,
};

const char *
cs_ca_dbr_name(uint16_t type)
{
    return type <= CS_CA_MAX_DBR ? dbr_rows[type].name : NULL;
}

static const char *const alarm_status[] = {
    "NO_ALARM", "READ", "WRITE",   "HIHI",    "HIGH",        "LOLO",         "LOW",  "STATE",
    "COS",      "COMM", "TIMEOUT", "HWLIMIT", "CALC",        "SCAN",         "LINK", "SOFT",
    "BAD_SUB",  "UDF",  "DISABLE", "SIMM",    "READ_ACCESS", "WRITE_ACCESS",
};

static const char *const alarm_severity[] = {"NO_ALARM", "MINOR_ALARM", "MAJOR_ALARM",
                                             "INVALID_ALARM"};

const char *
cs_ca_alarm_status_name(int v)
{
    return v >= 0 && (size_t)v < sizeof alarm_status / sizeof alarm_status[0] ? alarm_status[v]
                                                                              : NULL;
}

const char *
cs_ca_alarm_severity_name(int v)
{
    return v >= 0 && (size_t)v < sizeof alarm_severity / sizeof alarm_severity[0]
               ? alarm_severity[v]
               : NULL;
}

/* caerr.h, as caproto's CAStatus table names them. */
static const struct cs_ca_eca eca_rows[] = {
    {1, "ECA_NORMAL", 0, 1, 1, 0, "Normal successful completion"},
    {10, "ECA_MAXIOC", 1, 2, 0, 1, "Maximum simultaneous IOC connections exceeded"},
    {18, "ECA_UKNHOST", 2, 2, 0, 1, "Unknown internet host"},
    {26, "ECA_UKNSERV", 3, 2, 0, 1, "Unknown internet service"},
    {34, "ECA_SOCK", 4, 2, 0, 1, "Unable to allocate a new socket"},
    {40, "ECA_CONN", 5, 0, 0, 1, "Unable to connect to internet host or service"},
    {48, "ECA_ALLOCMEM", 6, 0, 0, 0, "Unable to allocate additional dynamic memory"},
    {56, "ECA_UKNCHAN", 7, 0, 0, 1, "Unknown IO channel"},
    {64, "ECA_UKNFIELD", 8, 0, 0, 1, "Record field specified inappropriate for channel specified"},
    {72, "ECA_TOLARGE", 9, 0, 0, 0,
     "The requested data transfer is greater than available memory or EPICS_CA_MAX_ARRAY_BYTES"},
    {80, "ECA_TIMEOUT", 10, 0, 0, 0, "User specified timeout on IO operation expired"},
    {88, "ECA_NOSUPPORT", 11, 0, 0, 1,
     "Sorry, that feature is planned but not supported at this time"},
    {96, "ECA_STRTOBIG", 12, 0, 0, 1, "The supplied string is unusually large"},
    {106, "ECA_DISCONNCHID", 13, 2, 0, 1,
     "The request was ignored because the specified channel is disconnected"},
    {114, "ECA_BADTYPE", 14, 2, 0, 0, "The data type specifed is invalid"},
    {123, "ECA_CHIDNOTFND", 15, 3, 1, 1, "Remote Channel not found"},
    {131, "ECA_CHIDRETRY", 16, 3, 1, 1, "Unable to locate all user specified channels"},
    {142, "ECA_INTERNAL", 17, 6, 0, 0, "Channel Access Internal Failure"},
    {144, "ECA_DBLCLFAIL", 18, 0, 0, 1, "The requested local DB operation failed"},
    {152, "ECA_GETFAIL", 19, 0, 0, 0, "Channel read request failed"},
    {160, "ECA_PUTFAIL", 20, 0, 0, 0, "Channel write request failed"},
    {168, "ECA_ADDFAIL", 21, 0, 0, 1, "Channel subscription request failed"},
    {176, "ECA_BADCOUNT", 22, 0, 0, 0, "Invalid element count requested"},
    {186, "ECA_BADSTR", 23, 2, 0, 0, "Invalid string"},
    {192, "ECA_DISCONN", 24, 0, 0, 0, "Virtual circuit disconnect"},
    {200, "ECA_DBLCHNL", 25, 0, 0, 0, "Identical process variable name on multiple servers"},
    {210, "ECA_EVDISALLOW", 26, 2, 0, 0,
     "Request inappropriate within subscription (monitor) update callback"},
    {216, "ECA_BUILDGET", 27, 0, 0, 1,
     "Database value get for that channel failed during channel search"},
    {224, "ECA_NEEDSFP", 28, 0, 0, 1,
     "Unable to initialize without the vxWorks VX_FP_TASKtask option set"},
    {232, "ECA_OVEVFAIL", 29, 0, 0, 1,
     "Event queue overflow has prevented first pass event after event add"},
    {242, "ECA_BADMONID", 30, 2, 0, 0, "Bad event subscription (monitor) identifier"},
    {248, "ECA_NEWADDR", 31, 0, 0, 1, "Remote channel has new network address"},
    {259, "ECA_NEWCONN", 32, 3, 1, 1, "New or resumed network connection"},
    {264, "ECA_NOCACTX", 33, 0, 0, 1, "Specified task isnt a member of a CA context"},
    {278, "ECA_DEFUNCT", 34, 6, 0, 1, "Attempt to use defunct CA feature failed"},
    {280, "ECA_EMPTYSTR", 35, 0, 0, 1, "The supplied string is empty"},
    {288, "ECA_NOREPEATER", 36, 0, 0, 1,
     "Unable to spawn the CA repeater thread; auto reconnect will fail"},
    {296, "ECA_NOCHANMSG", 37, 0, 0, 1,
     "No channel id match for search reply; search reply ignored"},
    {304, "ECA_DLCKREST", 38, 0, 0, 1, "Reseting dead connection; will try to reconnect"},
    {312, "ECA_SERVBEHIND", 39, 0, 0, 1,
     "Server (IOC) has fallen behind or is not responding; still waiting"},
    {320, "ECA_NOCAST", 40, 0, 0, 1, "No internet interface with broadcast available"},
    {330, "ECA_BADMASK", 41, 2, 0, 0, "Invalid event selection mask"},
    {339, "ECA_IODONE", 42, 3, 1, 0, "IO operations have completed"},
    {347, "ECA_IOINPROGRESS", 43, 3, 1, 0, "IO operations are in progress"},
    {354, "ECA_BADSYNCGRP", 44, 2, 0, 0, "Invalid synchronous group identifier"},
    {362, "ECA_PUTCBINPROG", 45, 2, 0, 0, "Put callback timed out"},
    {368, "ECA_NORDACCESS", 46, 0, 0, 0, "Read access denied"},
    {376, "ECA_NOWTACCESS", 47, 0, 0, 0, "Write access denied"},
    {386, "ECA_ANACHRONISM", 48, 2, 0, 0, "Requested feature is no longer supported"},
    {392, "ECA_NOSEARCHADDR", 49, 0, 0, 0, "Empty PV search address list"},
    {400, "ECA_NOCONVERT", 50, 0, 0, 0,
     "No reasonable data conversion between client and server types"},
    {410, "ECA_BADCHID", 51, 2, 0, 0, "Invalid channel identifier"},
    {418, "ECA_BADFUNCPTR", 52, 2, 0, 0, "Invalid function pointer"},
    {424, "ECA_ISATTACHED", 53, 0, 0, 0, "Thread is already attached to a client context"},
    {432, "ECA_UNAVAILINSERV", 54, 0, 0, 0, "Not supported by attached service"},
    {440, "ECA_CHANDESTROY", 55, 0, 0, 0, "User destroyed channel"},
    {450, "ECA_BADPRIORITY", 56, 2, 0, 0, "Invalid channel priority"},
    {458, "ECA_NOTTHREADED", 57, 2, 0, 0,
     "Preemptive callback not enabled - additional threads may not join context"},
    {464, "ECA_16KARRAYCLIENT", 58, 0, 0, 0,
     "Client\xe2\x80\x99s protocol revision does not support transfers exceeding 16k bytes"},
    {472, "ECA_CONNSEQTMO", 59, 0, 0, 0, "Virtual circuit connection sequence aborted"},
    {480, "ECA_UNRESPTMO", 60, 0, 0, 0, "Virtual circuit unresponsive"},
};

const struct cs_ca_eca *
cs_ca_eca_find(uint32_t code_with_severity)
{
    for (size_t i = 0; i < sizeof eca_rows / sizeof eca_rows[0]; i++)
        if (eca_rows[i].code_with_severity == code_with_severity)
            return &eca_rows[i];
    return NULL;
}

static const struct {
    unsigned value;
    const char *name;
} ca_severities[] = {
    {0, "WARNING"}, {1, "SUCCESS"}, {2, "ERROR"}, {3, "INFO"}, {4, "SEVERE"}, {6, "FATAL"},
};

const char *
cs_ca_severity_name(unsigned sev)
{
    for (size_t i = 0; i < sizeof ca_severities / sizeof ca_severities[0]; i++)
        if (ca_severities[i].value == sev)
            return ca_severities[i].name;
    return NULL;
}

/* ---- headers ---- */

size_t
cs_ca_header_parse(struct cs_cursor *c, struct cs_ca_hdr *h)
{
    if (cs_cursor_remaining(c) < CS_CA_HDR_LEN)
        return 0;
    struct cs_cursor k = *c;
    h->cmd = cs_cursor_be16(&k);
    uint16_t ps = cs_cursor_be16(&k);
    h->dtype = cs_cursor_be16(&k);
    uint16_t dc = cs_cursor_be16(&k);
    h->p1 = cs_cursor_be32(&k);
    h->p2 = cs_cursor_be32(&k);
    h->psize = ps;
    h->count = dc;
    h->extended = 0;
    if (ps == 0xffffu && dc == 0) {
        if (cs_cursor_remaining(&k) < 8)
            return 0;
        h->psize = cs_cursor_be32(&k);
        h->count = cs_cursor_be32(&k);
        h->extended = 1;
    }
    *c = k;
    return h->extended ? CS_CA_EXT_HDR_LEN : CS_CA_HDR_LEN;
}

/* Commands whose messages never carry a payload in either direction. */
static int
headerless(uint16_t cmd)
{
    switch (cmd) {
        case CS_CA_VERSION:
        case CS_CA_EVENT_CANCEL:
        case CS_CA_EVENTS_OFF:
        case CS_CA_EVENTS_ON:
        case CS_CA_READ_SYNC:
        case CS_CA_CLEAR_CHANNEL:
        case CS_CA_RSRV_IS_UP:
        case CS_CA_NOT_FOUND:
        case CS_CA_REPEATER_CONFIRM:
        case CS_CA_ACCESS_RIGHTS:
        case CS_CA_ECHO:
        case CS_CA_REPEATER_REGISTER:
        case CS_CA_CREATE_CH_FAIL:
        case CS_CA_SERVER_DISCONN:
            return 1;
        default:
            return 0;
    }
}

int
cs_ca_header_plausible(const struct cs_ca_hdr *h)
{
    /* the obsolete commands without a class (SNAPSHOT, BUILD, READ_BUILD, SIGNAL) never start a
     * resynchronisation */
    if (h->cmd > CS_CA_MAX_CMD || (!cmd_rows[h->cmd].request && !cmd_rows[h->cmd].response))
        return 0;
    if (h->psize % 8 != 0)
        return 0;
    if (headerless(h->cmd) && h->psize != 0)
        return 0;
    if (h->extended && h->psize <= 0xffffu && h->count <= 0xffffu)
        return 0;
    return 1;
}

static int
dbr_size_matches(const struct cs_ca_hdr *h)
{
    int ok;
    uint64_t n = cs_ca_dbr_size(h->dtype, h->count, &ok);
    if (!ok)
        return 0;
    uint64_t padded = (n + 7) & ~(uint64_t)7;
    if (h->psize == padded)
        return 1;
    /* libca sends a last STRING element only up to its NUL */
    return cs_ca_dbr_name(h->dtype) && h->psize < padded && h->psize + 40 >= padded &&
           (h->dtype % 7 == 0 || h->dtype == 37 || h->dtype == 38) && h->dtype < 35 + 4;
}

int
cs_ca_header_sane(const struct cs_ca_hdr *h, int response)
{
    if (!cs_ca_header_plausible(h))
        return 0;
    int zero_dc = h->dtype == 0 && h->count == 0;
    switch (h->cmd) {
        case CS_CA_VERSION:
            return h->psize == 0 && h->count >= 1 && h->count < 100 && h->dtype < 100 &&
                   h->p1 == 0 && h->p2 == 0;
        case CS_CA_EVENT_ADD:
            if (!response)
                return h->psize == 16 && h->dtype <= CS_CA_MAX_DBR;
            return h->dtype <= CS_CA_MAX_DBR && (h->psize == 0 || dbr_size_matches(h));
        case CS_CA_EVENT_CANCEL:
        case CS_CA_READ_NOTIFY:
        case CS_CA_READ:
            if (!response || h->cmd == CS_CA_EVENT_CANCEL)
                return h->psize == 0 && h->dtype <= CS_CA_MAX_DBR;
            return h->dtype <= CS_CA_MAX_DBR && dbr_size_matches(h);
        case CS_CA_WRITE:
        case CS_CA_WRITE_NOTIFY:
            if (response)
                return h->psize == 0 && h->dtype <= CS_CA_MAX_DBR;
            return h->dtype <= CS_CA_MAX_DBR && dbr_size_matches(h);
        case CS_CA_SEARCH:
            return response ? h->psize <= 8 : (h->psize >= 8 && (h->dtype == 5 || h->dtype == 10));
        case CS_CA_EVENTS_OFF:
        case CS_CA_EVENTS_ON:
        case CS_CA_READ_SYNC:
        case CS_CA_ECHO:
            return zero_dc && h->p1 == 0 && h->p2 == 0;
        case CS_CA_ERROR:
            return zero_dc && h->psize >= CS_CA_HDR_LEN + 8;
        case CS_CA_CLEAR_CHANNEL:
            return zero_dc;
        case CS_CA_ACCESS_RIGHTS:
            return zero_dc && h->p2 <= 3;
        case CS_CA_CREATE_CHAN:
            if (response)
                return h->dtype <= 6 && h->psize == 0;
            return zero_dc && h->psize >= 8 && h->p2 >= 1 && h->p2 < 100;
        case CS_CA_CLIENT_NAME:
        case CS_CA_HOST_NAME:
            return zero_dc && h->p1 == 0 && h->p2 == 0 && h->psize >= 8 && h->psize <= 512;
        case CS_CA_NOT_FOUND:
            return h->psize == 0 && h->count < 100 && h->p1 == h->p2;
        case CS_CA_CREATE_CH_FAIL:
        case CS_CA_SERVER_DISCONN:
            return zero_dc && h->p2 == 0;
        default:
            return 0; /* UDP-only or obsolete commands never start a resynchronisation */
    }
}

/* ---- DBR values ---- */

uint64_t
cs_ca_dbr_size(uint16_t type, uint32_t count, int *ok)
{
    *ok = 0;
    if (type > CS_CA_MAX_DBR)
        return 0;
    uint64_t n = (uint64_t)dbr_rows[type].meta + (uint64_t)count * elem_bytes[dbr_rows[type].etype];
    if (n > UINT32_MAX)
        return 0;
    *ok = 1;
    return n;
}

static struct cs_ca_num
read_num(struct cs_cursor *c, uint8_t etype)
{
    struct cs_ca_num v = {0, 0, 0.0};
    switch (etype) {
        case CS_CA_E_INT:
            v.i = (int16_t)cs_cursor_be16(c);
            break;
        case CS_CA_E_ENUM:
        case CS_CA_E_ACK:
            v.i = cs_cursor_be16(c);
            break;
        case CS_CA_E_CHAR:
            v.i = cs_cursor_u8(c);
            break;
        case CS_CA_E_LONG:
            v.i = (int32_t)cs_cursor_be32(c);
            break;
        case CS_CA_E_FLOAT: {
            uint32_t u = cs_cursor_be32(c);
            float f;
            memcpy(&f, &u, sizeof f);
            v.is_float = 1;
            v.d = f;
            break;
        }
        case CS_CA_E_DOUBLE: {
            uint64_t u = cs_cursor_be64(c);
            double d;
            memcpy(&d, &u, sizeof d);
            v.is_float = 1;
            v.d = d;
            break;
        }
        default:
            break;
    }
    return v;
}

/* GR/CTRL metadata after status and severity, per element type (db_access.h). */
static void
read_limits(struct cs_ca_dbr *d, struct cs_cursor *c, int ctrl)
{
    uint8_t et = d->etype;
    if (et == CS_CA_E_ENUM) {
        d->has_enum = 1;
        d->no_str = cs_cursor_be16(c);
        cs_cursor_bytes(c, d->enum_strs, sizeof d->enum_strs);
        return;
    }
    if (et == CS_CA_E_FLOAT || et == CS_CA_E_DOUBLE) {
        d->has_prec = 1;
        d->precision = (int16_t)cs_cursor_be16(c);
        cs_cursor_skip(c, 2); /* RISC_pad */
    }
    d->has_units = 1;
    cs_cursor_bytes(c, d->units, sizeof d->units);
    d->has_limits = 1;
    d->n_limits = ctrl ? 8 : 6;
    for (unsigned i = 0; i < d->n_limits; i++)
        d->limits[i] = read_num(c, et);
    if (et == CS_CA_E_CHAR)
        cs_cursor_skip(c, 1); /* RISC_pad */
}

void
cs_ca_dbr_decode(struct cs_ca_dbr *d, uint16_t type, uint32_t count, struct cs_cursor pl)
{
    memset(d, 0, sizeof *d);
    d->data = cs_cursor_make(NULL, 0);
    if (type > CS_CA_MAX_DBR) {
        d->etype = CS_CA_E_NONE;
        return;
    }
    const struct dbr_row *row = &dbr_rows[type];
    d->known = 1;
    d->family = row->family;
    d->etype = row->etype;
    d->elem_size = elem_bytes[row->etype];
    struct cs_cursor meta = cs_cursor_sub(&pl, row->meta);
    if (cs_cursor_failed(&meta)) {
        d->meta_cut = 1;
        d->short_payload = count > 0;
        return;
    }
    switch (row->family) {
        case CS_CA_F_STS:
        case CS_CA_F_TIME:
        case CS_CA_F_GR:
        case CS_CA_F_CTRL:
        case CS_CA_F_STSACK:
            d->has_sts = 1;
            d->status = (int16_t)cs_cursor_be16(&meta);
            d->severity = (int16_t)cs_cursor_be16(&meta);
            break;
        default:
            break;
    }
    if (row->family == CS_CA_F_TIME) {
        d->has_time = 1;
        d->ts_sec = cs_cursor_be32(&meta);
        d->ts_nsec = cs_cursor_be32(&meta);
    } else if (row->family == CS_CA_F_GR || row->family == CS_CA_F_CTRL) {
        read_limits(d, &meta, row->family == CS_CA_F_CTRL);
    } else if (row->family == CS_CA_F_STSACK) {
        d->ackt = cs_cursor_be16(&meta);
        d->acks = cs_cursor_be16(&meta);
    }
    size_t rem = cs_cursor_remaining(&pl);
    size_t avail = rem / d->elem_size;
    size_t bytes;
    uint32_t n = count;
    if (avail >= n) {
        bytes = (size_t)n * d->elem_size;
    } else if (d->etype == CS_CA_E_STRING && rem % d->elem_size) {
        /* libca sends a last string only up to its NUL, padded to 8 */
        n = (uint32_t)avail + 1;
        bytes = rem;
        d->short_payload = n < count;
    } else {
        n = (uint32_t)avail;
        bytes = (size_t)n * d->elem_size;
        d->short_payload = 1;
    }
    d->n_elems = n;
    d->data = cs_cursor_sub(&pl, bytes);
    if ((row->family == CS_CA_F_STSACK || row->family == CS_CA_F_CLASS) && n > 0) {
        struct cs_cursor v = d->data;
        size_t k = cs_cursor_remaining(&v);
        cs_cursor_bytes(&v, d->value40, k < sizeof d->value40 ? k : sizeof d->value40);
    }
}

struct cs_ca_num
cs_ca_dbr_elem(const struct cs_ca_dbr *d, uint32_t i)
{
    struct cs_ca_num z = {0, 0, 0.0};
    if (i >= d->n_elems || d->etype == CS_CA_E_STRING || d->etype == CS_CA_E_NONE)
        return z;
    struct cs_cursor c = d->data;
    cs_cursor_skip(&c, (size_t)i * d->elem_size);
    return read_num(&c, d->etype);
}

struct cs_cursor
cs_ca_dbr_string(const struct cs_ca_dbr *d, uint32_t i)
{
    struct cs_cursor c = d->data;
    if (i >= d->n_elems || d->etype != CS_CA_E_STRING)
        return cs_cursor_make(NULL, 0);
    cs_cursor_skip(&c, (size_t)i * 40);
    struct cs_cursor s = cs_cursor_sub_clip(&c, 40, NULL);
    size_t n = 0;
    while (cs_cursor_peek(&s, n) > 0)
        n++;
    return cs_cursor_sub(&s, n);
}

/* ---- messages ---- */

/* The payload without its trailing NULs (caproto's rstrip: an embedded NUL stays visible). */
static struct cs_cursor
cstring(struct cs_cursor c)
{
    size_t n = cs_cursor_remaining(&c);
    while (n > 0 && cs_cursor_peek(&c, n - 1) == 0)
        n--;
    return cs_cursor_sub(&c, n);
}

static int
carries_dbr(uint16_t cmd, int response)
{
    if (response)
        return cmd == CS_CA_EVENT_ADD || cmd == CS_CA_READ || cmd == CS_CA_READ_NOTIFY;
    return cmd == CS_CA_WRITE || cmd == CS_CA_WRITE_NOTIFY;
}

static float
be_float(struct cs_cursor *c)
{
    uint32_t u = cs_cursor_be32(c);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

void
cs_ca_msg_decode(struct cs_ca_msg *m)
{
    const struct cs_ca_hdr *h = &m->h;
    struct cs_cursor pl = m->payload;
    m->name = cs_cursor_make(NULL, 0);
    m->err_text = cs_cursor_make(NULL, 0);
    m->has_dbr = m->has_event = m->has_orig = 0;
    m->version = 0;
    switch (h->cmd) {
        case CS_CA_SEARCH:
            if (!m->response)
                m->name = cstring(pl);
            else if (cs_cursor_remaining(&pl) >= 2)
                m->version = cs_cursor_be16(&pl);
            return;
        case CS_CA_CREATE_CHAN:
        case CS_CA_CLIENT_NAME:
        case CS_CA_HOST_NAME:
            if (!m->response)
                m->name = cstring(pl);
            return;
        case CS_CA_EVENT_ADD:
            if (!m->response) {
                if (cs_cursor_remaining(&pl) >= 14) {
                    m->has_event = 1;
                    m->ev_low = be_float(&pl);
                    m->ev_high = be_float(&pl);
                    m->ev_to = be_float(&pl);
                    m->ev_mask = cs_cursor_be16(&pl);
                }
                return;
            }
            break;
        case CS_CA_ERROR: {
            struct cs_ca_hdr o;
            struct cs_cursor c = pl;
            if (cs_ca_header_parse(&c, &o)) {
                m->has_orig = 1;
                m->orig = o;
                m->err_text = c;
            }
            return;
        }
        default:
            break;
    }
    if (carries_dbr(h->cmd, m->response) && (h->psize > 0 || h->cmd != CS_CA_EVENT_ADD)) {
        m->has_dbr = 1;
        cs_ca_dbr_decode(&m->dbr, h->dtype, h->count, pl);
    }
}
