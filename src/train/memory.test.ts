import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasmBackend } from '../kernels/wasm.js';
import { measureTrainingMemory, megabytes, trainingBytes } from './memory.js';
import type { TrainableModel } from './model.js';

/**
 * A model whose memory is known: it holds `fixed` bytes while it exists and a step on n examples takes
 * n·perExample bytes more (sizes that are exact size classes of the heap, so nothing is rounded).
 */
function knownModel(fixed: number, perExample: number): () => TrainableModel & { dispose(): void } {
  return () => {
    const held = wasmBackend.alloc('float32', fixed / 4);
    const model = {
      batchInput: () => new Float32Array(0),
      batchTarget: () => new Float32Array(0),
      trainStep: (n: number) => {
        const activations = wasmBackend.alloc('float32', (n * perExample) / 4);
        wasmBackend.free(activations);
        return { loss: 0, correct: 0 };
      },
      dispose: () => wasmBackend.free(held),
    };
    return model as unknown as TrainableModel & { dispose(): void };
  };
}

test('measureTrainingMemory finds the fixed and the per-example bytes of a model', () => {
  assert.deepEqual(measureTrainingMemory(knownModel(65536, 4096)), { fixed: 65536, perExample: 4096 });
  // Whatever ran on the thread before (a larger model, blocks on the free lists) does not change it.
  measureTrainingMemory(knownModel(1 << 20, 1 << 16));
  assert.deepEqual(measureTrainingMemory(knownModel(65536, 4096)), { fixed: 65536, perExample: 4096 });
});

test('trainingBytes: fixed + Σ over the distinct batch sizes of 5/4·b·perExample', () => {
  assert.equal(trainingBytes({ fixed: 100, perExample: 8 }, [32, 64, 32]), 100 + 1.25 * 8 * 96);
  assert.equal(trainingBytes({ fixed: 100, perExample: 8 }, []), 100);
  assert.equal(megabytes(2 ** 20 + 1), '2 MB');
});
