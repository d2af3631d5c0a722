import { describe, expect, it } from 'vitest';
import { LinkType, linkTypeName, maxCapLen } from '../../src/capture/link-types.js';

describe('linkTypeName', () => {
  it.each([
    [0, 'NULL'],
    [1, 'ETHERNET'],
    [9, 'PPP'],
    [12, 'RAW'],
    [14, 'RAW'],
    [101, 'RAW'],
    [104, 'C_HDLC'],
    [105, 'IEEE802_11'],
    [108, 'LOOP'],
    [113, 'LINUX_SLL'],
    [127, 'IEEE802_11_RADIOTAP'],
    [228, 'IPV4'],
    [229, 'IPV6'],
    [239, 'NFLOG'],
    [276, 'LINUX_SLL2'],
  ])('%i is %s', (n, name) => {
    expect(linkTypeName(n)).toBe(name);
  });

  it('names an unknown link type by number', () => {
    expect(linkTypeName(147)).toBe('LINKTYPE_147'); // USER0: no fixed meaning
    expect(linkTypeName(65535)).toBe('LINKTYPE_65535');
  });

  it('the LinkType constants agree with the names', () => {
    for (const [key, n] of Object.entries(LinkType)) {
      expect(linkTypeName(n)).toBe(key.startsWith('RAW') ? 'RAW' : key);
    }
  });
});

describe('maxCapLen', () => {
  it('allows 1 MiB for frames, more for D-Bus and EBHSCR messages (as libpcap does)', () => {
    expect(maxCapLen(1)).toBe(1 << 20);
    expect(maxCapLen(231)).toBe(128 << 20);
    expect(maxCapLen(279)).toBe(8 << 20);
  });
});
