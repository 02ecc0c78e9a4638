module.exports = require('../../tools/jest.preset.js').preset('gateway', __dirname);
