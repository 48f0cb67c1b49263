/* floor.c: the benchmark's read floor, a bare libpcap loop that only counts packets. */
/*
 * Build: cc -O2 -o floor floor.c -lpcap
 * Usage: floor FILE
 * Prints "<packets> <captured bytes>" on stdout; exit 1 on any libpcap error.
 * This is the cheapest way to read every record of a savefile with libpcap,
 * the yardstick every other reader in bench/run.sh is divided by.
 */
#include <pcap/pcap.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *hdr;
    const u_char *data;
    unsigned long long packets = 0;
    unsigned long long bytes = 0;
    pcap_t *p;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    errbuf[0] = '\0';
    p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "floor: %s\n", errbuf);
        return 1;
    }
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
        packets++;
        bytes += hdr->caplen;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "floor: %s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("%llu %llu\n", packets, bytes);
    return 0;
}
