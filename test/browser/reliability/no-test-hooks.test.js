import { expect } from 'chai';
import { create } from '/dist/jadfer.js';
import { simulateWorkerCrash, simulateDeviceLoss } from '/dist/jadfer.testing.js';
import { BASE_URL, CONTRACT_MODEL, expectedLabel, grayImageData, record } from '../helpers.js';

// What a third-party script on a kiosk page can do to the kiosk's instance: nothing on it leads to its engine.
describe('a page script cannot reach the production engine', () => {
  it('no symbol or hook on the instance or its class; jadfer/testing refuses it; the engine works on', async () => {
    const fer = await create({ device: 'wasm', modelUrl: CONTRACT_MODEL, baseUrl: BASE_URL, detector: 'none' });
    const errors = [];
    fer.on('error', (error) => errors.push(error.code));
    try {
      const prototype = Object.getPrototypeOf(fer);
      const symbols = [...Object.getOwnPropertySymbols(fer), ...Object.getOwnPropertySymbols(prototype)];
      expect(symbols).to.deep.equal([Symbol.asyncDispose].filter(Boolean));
      expect(Object.getOwnPropertySymbols(prototype.constructor)).to.deep.equal([]);
      // Every property a script can list, and the properties of those: no engine link, worker or Comlink proxy.
      const reachable = [fer, ...Object.values(fer)].flatMap((value) =>
        value && typeof value === 'object' ? [value, ...Object.values(value)] : [value],
      );
      for (const value of reachable) {
        if (!value || (typeof value !== 'object' && typeof value !== 'function')) continue;
        for (const name of ['link', 'terminate', 'postMessage', 'simulateCrash', 'simulateDeviceLoss', 'reportHung'])
          expect(typeof value[name], name).to.not.equal('function');
      }
      for (const attempt of [simulateWorkerCrash, simulateDeviceLoss]) {
        const error = await attempt(fer).then(
          () => undefined,
          (e) => e,
        );
        expect(error?.code).to.equal('E_BAD_CONFIG');
      }
      record({ hostile: 3 });
      const [face] = await fer.analyze(grayImageData(255));
      expect(face.expression.label).to.equal(expectedLabel(255));
      expect(errors).to.deep.equal([]);
    } finally {
      await fer.dispose();
    }
  });
});
