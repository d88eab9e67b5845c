import { expect } from 'chai';
import { create } from '/dist/jadfer.js';
import { BASE_URL, CONTRACT_MODEL, expectedLabel, grayImageData, record } from '../helpers.js';

// A burst of analyze() calls on one instance: each gets its result or E_BUSY (the queue is bounded), the
// engine is never restarted (a call's time limit counts its own run, not its wait), and it answers after.
describe('a burst of concurrent analyze() calls', () => {
  it('gives results or E_BUSY, no restart, and the instance works on', async () => {
    const fer = await create({ device: 'wasm', modelUrl: CONTRACT_MODEL, baseUrl: BASE_URL, detector: 'none' });
    const errors = [];
    fer.on('error', (error) => errors.push(error.code));
    const burst = 200;
    try {
      const outcomes = await Promise.all(
        Array.from({ length: burst }, (_, i) =>
          fer.analyze(grayImageData(i % 256)).then(
            (faces) => (faces[0].expression.label === expectedLabel(i % 256) ? 'result' : 'wrong label'),
            (error) => error.code ?? error.message,
          ),
        ),
      );
      const count = (what) => outcomes.filter((o) => o === what).length;
      record({ concurrent: burst, busy: count('E_BUSY') });
      expect(count('result') + count('E_BUSY'), [...new Set(outcomes)].join()).to.equal(burst);
      expect(count('E_BUSY')).to.be.greaterThan(0);
      expect(count('result')).to.be.greaterThan(0);
      expect(errors, 'no crash or hang was reported, so no restart').to.deep.equal([]);
      const [face] = await fer.analyze(grayImageData(255));
      expect(face.expression.label).to.equal(expectedLabel(255));
    } finally {
      await fer.dispose();
    }
  });
});
