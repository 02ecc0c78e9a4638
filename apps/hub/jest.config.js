module.exports = require('../../tools/jest.preset.js').preset('hub', __dirname);
