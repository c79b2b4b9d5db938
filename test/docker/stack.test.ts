// The stack spec, the compose subset and the layouts' plans (no engine needed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLayout } from '../../src/deployer/layouts/index.js';
import { startOrder } from '../../src/deployer/stack/graph.js';
import { loadStackFile, parseStack, StackError } from '../../src/deployer/stack/load.js';

const board = loadStackFile().stack;
const opts = { imageOf: (s: string) => `berth/${s}:latest`, secrets: { 'db-password': 'pw-1234567890' } };

describe('stack spec', () => {
  it('loads the board and orders dbs, app, web', () => {
    assert.equal(board.name, 'board');
    assert.deepEqual(startOrder(board), ['dbs', 'app', 'web']);
  });

  it('rejects unknown peers, cycles and bad fields with a message', () => {
    assert.throws(() => parseStack('berth: 1\nname: x\nservices:\n  a: { image: i, talksTo: [{ service: b }] }\n'), /talks to b/);
    assert.throws(
      () => parseStack('berth: 1\nname: x\nservices:\n  a: { image: i, talksTo: [{ service: b }] }\n  b: { image: i, talksTo: [{ service: a }] }\n'),
      /cycle/,
    );
    assert.throws(() => parseStack('berth: 1\nname: x\nservices:\n  a: { image: i, portz: [] }\n'), StackError);
  });

  it('reads the docker-compose subset', () => {
    const { stack, format, warnings } = parseStack(`
name: shop
services:
  db:
    image: mariadb:11
    ports: ["3306"]
    environment: [MARIADB_RANDOM_ROOT_PASSWORD=1]
    healthcheck: { test: "healthcheck.sh --connect", interval: 5s, retries: 5 }
    networks: [back]
  web:
    image: nginx:1
    ports: ["127.0.0.1:8080:80"]
    depends_on: { db: { condition: service_healthy } }
    networks: [front, back]
    restart: always
    volumes: [x:/y]
networks:
  front: {}
  back: { internal: true }
`);
    assert.equal(format, 'compose');
    assert.equal(stack.name, 'shop');
    assert.deepEqual(stack.services.web!.ports, [{ container: 80, publish: 8080, hostIp: '127.0.0.1' }]);
    assert.deepEqual(stack.services.web!.talksTo, [{ service: 'db', as: 'db', port: 3306 }]);
    assert.deepEqual(stack.services.db!.health!.test, ['CMD-SHELL', 'healthcheck.sh --connect']);
    assert.equal(stack.services.db!.health!.interval, 5000);
    assert.equal(stack.networks!.back!.internal, true);
    assert.match(warnings.join('\n'), /volumes/);
  });
});

describe('layouts', () => {
  it('single on a network: peers by alias, with the link variables', () => {
    const plan = planLayout('single', board, opts);
    const app = plan.services.find((s) => s.service === 'app')!;
    assert.equal(app.env.DB_PORT_3306_TCP_ADDR, 'db');
    assert.equal(app.env.DB_PASSWORD_FILE, '/run/secrets/db-password');
    assert.deepEqual(app.secretFiles, [{ secret: 'db-password', path: '/run/secrets/db-password' }]);
    assert.deepEqual(plan.services.find((s) => s.service === 'dbs')!.attachments[0]!.aliases, ['dbs', 'db']);
    assert.equal(plan.entry, 'web');
  });

  it('single with links: the original wiring, no networks', () => {
    const plan = planLayout('single', board, { ...opts, links: true, publish: { port: 9000 } });
    assert.equal(plan.networks.length, 0);
    const web = plan.services.find((s) => s.service === 'web')!;
    assert.deepEqual(web.links, [{ service: 'app', alias: 'rest' }]);
    assert.deepEqual(web.ports, [{ container: 80, publish: 9000, hostIp: '127.0.0.1' }]);
  });

  it('tiered: three networks, fixed addresses, dbs listens only on the dbs network', () => {
    const plan = planLayout('tiered', board, opts);
    assert.deepEqual(
      plan.networks.map((n) => [n.key, n.internal]),
      [
        ['dmz', false],
        ['app', true],
        ['dbs', true],
      ],
    );
    const byName = Object.fromEntries(plan.services.map((s) => [s.service, s]));
    assert.deepEqual(
      byName.web!.attachments.map((a) => a.network),
      ['dmz', 'app'],
    );
    assert.deepEqual(
      byName.app!.attachments.map((a) => a.network),
      ['app', 'dmz', 'dbs'],
    );
    assert.deepEqual(
      byName.dbs!.attachments.map((a) => a.network),
      ['dbs', 'dmz'],
    );
    assert.equal(byName.web!.env.REST_PORT_5555_TCP_ADDR, '172.30.2.20');
    assert.equal(byName.app!.env.DB_PORT_3306_TCP_ADDR, '172.30.3.30');
    assert.equal(byName.dbs!.env.DB_BIND_ADDRESS, '172.30.3.30');
  });

  it('gives the database password as a file: its value is nowhere in the plan of either layout', () => {
    for (const plan of [planLayout('single', board, opts), planLayout('single', board, { ...opts, links: true }), planLayout('tiered', board, opts)]) {
      assert.doesNotMatch(JSON.stringify(plan), /pw-1234567890/, plan.layout);
      for (const svc of ['dbs', 'app']) {
        const s = plan.services.find((x) => x.service === svc)!;
        assert.equal(s.env.DB_PASSWORD_FILE, '/run/secrets/db-password');
        assert.equal(s.env.DB_PASSWORD, undefined);
      }
      assert.deepEqual(plan.services.find((x) => x.service === 'web')!.secretFiles, []);
    }
    // A secret given as a value still is one (for images without the *_FILE convention).
    const text = 'berth: 1\nname: x\nsecrets: { k: {} }\nservices:\n  a: { image: i, environment: { K: { secret: k }, K_FILE: { secret: k, as: file } } }\n';
    const a = planLayout('single', parseStack(text).stack, { ...opts, secrets: { k: 'value-of-k-123' } }).services[0]!;
    assert.equal(a.env.K, 'value-of-k-123');
    assert.equal(a.env.K_FILE, '/run/secrets/k');
    assert.deepEqual(a.secretFiles, [{ secret: 'k', path: '/run/secrets/k' }]);
  });

  it('tiered refuses a path the cloud would not have (web straight to dbs)', () => {
    const text = 'berth: 1\nname: x\nservices:\n  d: { image: i, tier: dbs }\n  w: { image: i, tier: web, talksTo: [{ service: d, port: 3306 }] }\n';
    assert.throws(() => planLayout('tiered', parseStack(text).stack, opts), /no private network/);
    assert.throws(() => planLayout('tiered', board, { ...opts, links: true }), /single layout/);
  });
});
